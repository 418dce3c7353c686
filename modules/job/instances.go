package job

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Job placement strategies.
const (
	StrategySpread  = "spread"
	StrategyBinpack = "binpack"
)

// InstanceName is the name of instance i (1-based) of a job: "web-3".
func InstanceName(job string, i int) string { return job + "-" + strconv.Itoa(i) }

// InstanceAddresses are the static addresses of count instances in the
// CIDR range: the range's 1st, 2nd, ... address (its network address is
// skipped, as are the broadcast address of the range).
func InstanceAddresses(cidr string, count int) ([]string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return nil, fmt.Errorf("%q is not an IPv4 CIDR range", cidr)
	}
	if count < 0 || count > maxInstances {
		return nil, fmt.Errorf("count %d is not 0 to %d", count, maxInstances)
	}
	p = p.Masked()
	size := uint64(1) << uint(32-p.Bits())
	if uint64(count)+1 >= size && !(p.Bits() == 32 && count <= 1) {
		return nil, fmt.Errorf("%s holds %d instance addresses, not %d", cidr, usable(size), count)
	}
	out := make([]string, 0, count)
	a := p.Addr()
	if p.Bits() < 32 {
		a = a.Next()
	}
	for i := 0; i < count; i++ {
		out = append(out, a.String())
		a = a.Next()
	}
	return out, nil
}

func usable(size uint64) uint64 {
	if size <= 2 {
		return size / 2
	}
	return size - 2
}

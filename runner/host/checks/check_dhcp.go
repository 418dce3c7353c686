package checks

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/drover/drover/runner/host"
)

// checkDHCP proves that a DHCP server answers on a bridge with an address
// of its subnet: the netns kind plugs a throwaway namespace into the
// bridge the way an attachment is (network/netnskind.go: veth at the
// bridge's MTU, the bridge's MAC pinned), busybox's udhcpc asks for a
// lease there (DISCOVER, OFFER, REQUEST, ACK) and releases it, and the
// namespace goes. Attributes: bridge (the interface the server serves),
// subnet (the range the lease must come from). A process that runs but
// does not lease fails it.
func checkDHCP(kinds host.Kinds, attrs map[string]string) (bool, string) {
	subnet, err := netip.ParsePrefix(attrs["subnet"])
	if err != nil || attrs["bridge"] == "" {
		return false, fmt.Sprintf("dhcp check: bridge %q, subnet %q: %v", attrs["bridge"], attrs["subnet"], err)
	}
	out, err := dhcpExchange(kinds, attrs["bridge"])
	leased := leaseOf(out)
	if err != nil || !leased.IsValid() {
		return false, fmt.Sprintf("no DHCP lease on %s: %s", attrs["bridge"], tailLines(strings.TrimSpace(out+" "+errString(err)), 3))
	}
	if !subnet.Contains(leased) {
		return false, fmt.Sprintf("DHCP on %s leased %s, outside %s", attrs["bridge"], leased, subnet)
	}
	return true, fmt.Sprintf("DHCP on %s leased %s (released)", attrs["bridge"], leased)
}

// dhcpProber is the netns kind's way to plug a throwaway namespace into a
// bridge and ask for a lease there (network.netnsKind).
type dhcpProber interface {
	DHCPExchange(bridge string) (string, error)
}

// dhcpClients is the netns kind's view of the DHCP client it runs in an
// attachment's namespace.
type dhcpClients interface {
	DHCPClientPID(netns string) int
}

// dhcpExchange asks the netns kind of kinds for one lease on bridge.
func dhcpExchange(kinds host.Kinds, bridge string) (string, error) {
	k, ok := kinds["netns"].(dhcpProber)
	if !ok {
		return "", fmt.Errorf("no netns kind")
	}
	return k.DHCPExchange(bridge)
}

var leaseLine = regexp.MustCompile(`lease of ([0-9.]+) obtained`)

// leaseOf is the address udhcpc reports it obtained, if any.
func leaseOf(out string) netip.Addr {
	m := leaseLine.FindStringSubmatch(out)
	if m == nil {
		return netip.Addr{}
	}
	a, _ := netip.ParseAddr(m[1])
	return a
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// checkLease proves that a DHCP attachment holds a lease: its namespace's
// eth0 has an address of the subnet and its DHCP client still runs (so the
// lease is renewed). Attributes: netns, subnet.
func checkLease(kinds host.Kinds, attrs map[string]string) (bool, string) {
	name := attrs["netns"]
	subnet, err := netip.ParsePrefix(attrs["subnet"])
	if err != nil {
		return false, fmt.Sprintf("lease check: subnet %q: %v", attrs["subnet"], err)
	}
	out, err := host.RunCommand("", "ip", "-n", name, "-4", "-o", "addr", "show", "dev", "eth0")
	if err != nil {
		return false, fmt.Sprintf("attachment %s: %v", name, err)
	}
	var held []string
	for _, f := range strings.Fields(out) {
		if p, err := netip.ParsePrefix(f); err == nil && subnet.Contains(p.Addr()) {
			held = append(held, p.Addr().String())
		}
	}
	if len(held) == 0 {
		return false, fmt.Sprintf("attachment %s has no address of %s on eth0: %s", name, subnet, strings.TrimSpace(out))
	}
	if k, ok := kinds["netns"].(dhcpClients); ok && k.DHCPClientPID(name) == 0 {
		return false, fmt.Sprintf("attachment %s holds %s but its DHCP client is not running: the lease will not be renewed", name, strings.Join(held, ", "))
	}
	return true, fmt.Sprintf("attachment %s holds the lease %s", name, strings.Join(held, ", "))
}

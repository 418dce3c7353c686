package host

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os/exec"
	"regexp"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// checkDHCP proves that a DHCP server answers on a bridge with an address
// of its subnet: a throwaway namespace is plugged into the bridge the way
// an attachment is (netnskind.go: veth at the bridge's MTU, the bridge's
// MAC pinned), busybox's udhcpc asks for a lease there (DISCOVER, OFFER,
// REQUEST, ACK) and releases it, and the namespace goes. Attributes:
// bridge (the interface the server serves), subnet (the range the lease
// must come from). A process that runs but does not lease fails it.
func checkDHCP(attrs map[string]string) (bool, string) {
	subnet, err := netip.ParsePrefix(attrs["subnet"])
	if err != nil || attrs["bridge"] == "" {
		return false, fmt.Sprintf("dhcp check: bridge %q, subnet %q: %v", attrs["bridge"], attrs["subnet"], err)
	}
	out, err := dhcpExchange(attrs["bridge"])
	leased := leaseOf(out)
	if err != nil || !leased.IsValid() {
		return false, fmt.Sprintf("no DHCP lease on %s: %s", attrs["bridge"], tailLines(strings.TrimSpace(out+" "+errString(err)), 3))
	}
	if !subnet.Contains(leased) {
		return false, fmt.Sprintf("DHCP on %s leased %s, outside %s", attrs["bridge"], leased, subnet)
	}
	return true, fmt.Sprintf("DHCP on %s leased %s (released)", attrs["bridge"], leased)
}

// dhcpExchange asks for a lease once from a throwaway namespace plugged
// into bridge and returns what udhcpc printed (it reports on stderr; -R
// releases the lease when it quits).
func dhcpExchange(bridge string) (string, error) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return "", fmt.Errorf("busybox (udhcpc) is not installed")
	}
	br, err := netlink.LinkByName(bridge)
	if err != nil {
		return "", fmt.Errorf("bridge %s: %w", bridge, err)
	}
	var b [3]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	name, veth := "drover-dhcpcheck-"+id, "dchk"+id
	ns, err := createNamedNetns(name)
	if err != nil {
		return "", fmt.Errorf("probe namespace: %w", err)
	}
	defer func() {
		ns.Close()
		if l, err := netlink.LinkByName(veth); err == nil {
			netlink.LinkDel(l)
		}
		netns.DeleteNamed(name)
	}()
	if err := plugVeth(ns, veth, br); err != nil {
		return "", err
	}
	if err := configureNs(ns, br.Attrs().MTU, map[string]string{"dhcp": "true"}); err != nil {
		return "", err
	}
	out, err := exec.Command("ip", "netns", "exec", name, busybox, "udhcpc", "-i", nsIface, "-n", "-q", "-f", "-R",
		"-t", "5", "-T", "1", "-s", "/bin/true", "-x", "hostname:drover-check").CombinedOutput()
	return string(out), err
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
func checkLease(kinds Kinds, attrs map[string]string) (bool, string) {
	name := attrs["netns"]
	subnet, err := netip.ParsePrefix(attrs["subnet"])
	if err != nil {
		return false, fmt.Sprintf("lease check: subnet %q: %v", attrs["subnet"], err)
	}
	out, err := runCommand("", "ip", "-n", name, "-4", "-o", "addr", "show", "dev", "eth0")
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
	if k, ok := kinds["netns"].(netnsKind); ok && k.udhcpcPID(name) == 0 {
		return false, fmt.Sprintf("attachment %s holds %s but its DHCP client is not running: the lease will not be renewed", name, strings.Join(held, ", "))
	}
	return true, fmt.Sprintf("attachment %s holds the lease %s", name, strings.Join(held, ", "))
}

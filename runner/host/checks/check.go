package checks

import (
	"fmt"
	"net"
	"strings"

	"github.com/vishvananda/netlink"
)

// checkLink proves that the link attrs name is up.
func checkLink(attrs map[string]string) (bool, string) {
	name := attrs["name"]
	l, err := netlink.LinkByName(name)
	if err != nil {
		return false, fmt.Sprintf("link %s: %v", name, err)
	}
	if l.Attrs().Flags&net.FlagUp == 0 {
		return false, fmt.Sprintf("link %s is down", name)
	}
	return true, fmt.Sprintf("link %s is up (%s, mtu %d)", name, l.Attrs().OperState, l.Attrs().MTU)
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// checkAddr reports whether an interface of this host carries attrs
// address (an IP without prefix): who holds a floating VIP.
func checkAddr(attrs map[string]string) (bool, string) {
	address := attrs["address"]
	ip := net.ParseIP(address)
	if ip == nil {
		return false, fmt.Sprintf("addr check: %q is not an IP address", address)
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return false, "listing addresses: " + err.Error()
	}
	for _, a := range addrs {
		if a.IP.Equal(ip) {
			name := ""
			if l, err := netlink.LinkByIndex(a.LinkIndex); err == nil {
				name = " on " + l.Attrs().Name
			}
			return true, "holds " + address + name
		}
	}
	return false, "does not hold " + address
}

package checks

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
)

// checkPing runs `ping -c COUNT -W SECONDS -s SIZE [-M do] [-I IFACE] DST`;
// attrs size (default 56), count (default 3), timeout_ms (per reply,
// default 1000), df ("true": forbid fragmentation, to prove an MTU), iface
// (send through this interface only: the path a bridge makes, not any
// route to dst), retry_ms (keep trying a failing ping this long: a tunnel
// just made may still be handshaking) and remote ("true": dst must be
// another host's; on the
// host that holds dst itself the check only says so, since a ping to a
// local address proves nothing, and the other members' checks prove the
// path).
func checkPing(attrs map[string]string) (bool, string) {
	dst := attrs["dst"]
	if dst == "" {
		return false, "ping check without dst"
	}
	if attrs["remote"] == "true" {
		if local, _ := checkAddr(map[string]string{"address": dst}); local {
			return true, fmt.Sprintf("holds %s itself: the other members' checks prove it answers over the network", dst)
		}
	}
	num := func(key string, def int) (int, error) {
		if attrs[key] == "" {
			return def, nil
		}
		return strconv.Atoi(attrs[key])
	}
	size, err1 := num("size", 56)
	count, err2 := num("count", 3)
	timeoutMS, err3 := num("timeout_ms", 1000)
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			return false, "ping check: " + err.Error()
		}
	}
	wait := int(math.Ceil(float64(timeoutMS) / 1000))
	args := []string{"-n", "-c", strconv.Itoa(count), "-i", "0.2", "-W", strconv.Itoa(wait), "-s", strconv.Itoa(size)}
	if attrs["df"] == "true" {
		args = append(args, "-M", "do")
	}
	if iface := attrs["iface"]; iface != "" {
		args = append(args, "-I", iface)
	}
	args = append(args, dst)
	retry, _ := num("retry_ms", 0)
	deadline := time.Now().Add(time.Duration(retry) * time.Millisecond)
	for {
		out, err := host.RunCommand("", "ping", args...)
		if err == nil {
			return true, tailLines(out, 2)
		}
		if time.Now().After(deadline) {
			return false, tailLines(err.Error(), 3)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

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

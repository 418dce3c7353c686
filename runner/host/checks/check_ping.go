package checks

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
)

// pingInterval is the gap between the echo requests of one ping run, and
// pingPause the pause between two runs when one failed.
const (
	pingInterval = "0.2"
	pingPause    = 150 * time.Millisecond
)

// checkPing proves that dst answers `ping -M do -s SIZE [-I IFACE]`; no
// single packet decides. Attributes: size (default 56), count (replies
// wanted, default 3), timeout_ms (how long the replies may take, default
// 1000: ping sends one request every 0.2 s until count replies arrived or
// the time is up), df ("true": forbid fragmentation, to prove an MTU),
// iface (send through this interface only: the path a bridge makes, not
// any route to dst), retry_ms (keep trying this much longer: a tunnel
// just made may still be handshaking) and remote ("true": dst must be
// another host's; on the host that holds dst itself the check only says
// so, since a ping to a local address proves nothing, and the other
// members' checks prove the path).
//
// A ping run that fails early (the neighbour entry of dst failed, so the
// kernel answers "unreachable" at once) is run again until the time is up;
// before the first run the neighbour entry is warmed up (warmNeighbour).
// What a broken path fails still fails, only after the deadline.
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
	p, err := pingArgs(attrs)
	if err != nil {
		return false, "ping check: " + err.Error()
	}
	deadline := time.Now().Add(p.budget)
	warmNeighbour(dst, attrs["iface"], deadline)
	for {
		left := time.Until(deadline)
		secs := strconv.Itoa(max(1, int(math.Ceil(left.Seconds()))))
		out, err := host.RunCommand("", "ping", append([]string{"-w", secs}, p.args...)...)
		if err == nil {
			return true, tailLines(out, 2)
		}
		if time.Until(deadline) < pingPause {
			return false, fmt.Sprintf("no %d replies within %s: %s", p.count, p.budget, tailLines(err.Error(), 3))
		}
		time.Sleep(pingPause)
	}
}

// pingRun is a ping check's arguments (without the deadline) and budget.
type pingRun struct {
	args   []string
	count  int
	budget time.Duration
}

func pingArgs(attrs map[string]string) (pingRun, error) {
	num := func(key string, def int) (int, error) {
		if attrs[key] == "" {
			return def, nil
		}
		n, err := strconv.Atoi(attrs[key])
		if err == nil && n < 0 {
			err = fmt.Errorf("%s %d is negative", key, n)
		}
		return n, err
	}
	size, err1 := num("size", 56)
	count, err2 := num("count", 3)
	timeoutMS, err3 := num("timeout_ms", 1000)
	retryMS, err4 := num("retry_ms", 0)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return pingRun{}, err
		}
	}
	count = max(count, 1)
	args := []string{"-n", "-c", strconv.Itoa(count), "-i", pingInterval, "-s", strconv.Itoa(size)}
	if attrs["df"] == "true" {
		args = append(args, "-M", "do")
	}
	if iface := attrs["iface"]; iface != "" {
		args = append(args, "-I", iface)
	}
	budget := time.Duration(timeoutMS+retryMS) * time.Millisecond
	return pingRun{args: append(args, attrs["dst"]), count: count, budget: budget}, nil
}

// warmNeighbour makes sure the kernel has (or is resolving) the link-layer
// address of dst's next hop before the first echo request: it sends one
// UDP datagram to dst's discard port (nothing listens; the send only
// starts ARP) and waits, until deadline or 1 s at most, for the next hop's
// neighbour entry to be usable. A next hop without ARP (a WireGuard or
// point-to-point link) or an unknown route needs nothing. A neighbour
// entry that failed earlier (a peer that was down) would otherwise make
// the first ping fail at once.
func warmNeighbour(dst, iface string, deadline time.Time) {
	ip := net.ParseIP(dst).To4()
	if ip == nil {
		return
	}
	routes, err := netlink.RouteGet(ip)
	if err != nil || len(routes) == 0 {
		return
	}
	link, err := netlink.LinkByIndex(routes[0].LinkIndex)
	if err != nil || link.Attrs().RawFlags&syscall.IFF_NOARP != 0 {
		return
	}
	if iface != "" && link.Attrs().Name != iface {
		if l, err := netlink.LinkByName(iface); err == nil {
			link = l
		}
	}
	hop := ip
	if gw := routes[0].Gw; gw != nil && iface == "" {
		hop = gw
	}
	if neighbourUsable(link.Attrs().Index, hop) {
		return
	}
	sendDiscard(ip, iface)
	until := time.Now().Add(time.Second)
	if deadline.Before(until) {
		until = deadline
	}
	for time.Now().Before(until) && !neighbourUsable(link.Attrs().Index, hop) {
		time.Sleep(20 * time.Millisecond)
	}
}

// neighbourUsable reports whether link has a neighbour entry for ip that
// the kernel sends to without resolving first.
func neighbourUsable(link int, ip net.IP) bool {
	neighs, err := netlink.NeighList(link, netlink.FAMILY_V4)
	if err != nil {
		return false
	}
	const usable = netlink.NUD_REACHABLE | netlink.NUD_STALE | netlink.NUD_DELAY | netlink.NUD_PROBE | netlink.NUD_PERMANENT | netlink.NUD_NOARP
	for _, n := range neighs {
		if n.IP.Equal(ip) && n.State&usable != 0 {
			return true
		}
	}
	return false
}

// sendDiscard sends one byte to ip's UDP discard port (9), through iface
// when one is named.
func sendDiscard(ip net.IP, iface string) {
	d := net.Dialer{Timeout: 200 * time.Millisecond}
	if iface != "" {
		d.Control = bindToDevice(iface)
	}
	c, err := d.Dial("udp4", net.JoinHostPort(ip.String(), "9"))
	if err != nil {
		return
	}
	defer c.Close()
	c.Write([]byte{0})
}

// bindToDevice returns a dialer Control that binds the socket to iface.
func bindToDevice(iface string) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) { err = syscall.BindToDevice(int(fd), iface) }); cerr != nil {
			return cerr
		}
		return err
	}
}

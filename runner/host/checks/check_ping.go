package checks

import (
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
)

// checkPing proves that dst answers ICMP echo requests of SIZE payload
// bytes, with the don't-fragment bit when df is "true", and through iface
// when one is named; no single packet decides. Attributes: size (default
// 56), count (replies wanted, default 3), timeout_ms (how long they may
// take, default 1000: one request every 100 ms until count replies came
// back or the time is up), df ("true": forbid fragmentation, to prove an
// MTU), iface (send through this interface only: the path a bridge makes,
// not any route to dst), retry_ms (that much longer: a tunnel just made
// may still be handshaking) and remote ("true": dst must be another
// host's; on the host that holds dst itself the check only says so, since
// a ping to a local address proves nothing, and the other members' checks
// prove the path).
//
// The helper sends the requests itself (a raw ICMP socket, echo.go): a
// host with 30 peers pings them concurrently without 30 processes. Before
// the first request the next hop's neighbour entry is warmed up
// (warmNeighbour): an entry that failed earlier would lose the first
// requests. A packet too big for the path with df fails at once; anything
// else that does not answer fails at the deadline.
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
	ip := net.ParseIP(dst).To4()
	if ip == nil {
		return false, fmt.Sprintf("ping check: %q is not an IPv4 address", dst)
	}
	deadline := time.Now().Add(p.budget)
	warmNeighbour(ip, p.iface, deadline)
	r := echo(ip, p, deadline)
	return r.received >= p.count, r.String(p)
}

// pingRun is a ping check's parsed attributes.
type pingRun struct {
	size, count int
	df          bool
	iface       string
	budget      time.Duration
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
	if size > 65507 {
		return pingRun{}, fmt.Errorf("size %d is more than an IPv4 packet holds", size)
	}
	return pingRun{size: size, count: max(count, 1), df: attrs["df"] == "true", iface: attrs["iface"],
		budget: time.Duration(timeoutMS+retryMS) * time.Millisecond}, nil
}

// warmNeighbour makes sure the kernel has (or is resolving) the link-layer
// address of dst's next hop before the first echo request: it sends one
// UDP datagram to dst's discard port (nothing listens; the send only
// starts ARP) and waits, for half the time to deadline or 1 s at most, for the next hop's
// neighbour entry to be usable. A next hop without ARP (a WireGuard or
// point-to-point link, loopback, a local address) or an unknown route
// needs nothing. A neighbour
// entry that failed earlier (a peer that was down) would otherwise make
// the first ping fail at once.
func warmNeighbour(ip net.IP, iface string, deadline time.Time) {
	route, link, err := routeOut(ip)
	if err != nil || link.Attrs().RawFlags&(syscall.IFF_NOARP|syscall.IFF_LOOPBACK) != 0 || route.Type == syscall.RTN_LOCAL {
		return
	}
	if iface != "" && link.Attrs().Name != iface {
		if l, err := netlink.LinkByName(iface); err == nil {
			link = l
		}
	}
	hop := ip
	if gw := route.Gw; gw != nil && iface == "" {
		hop = gw
	}
	if neighbourUsable(link.Attrs().Index, hop) {
		return
	}
	sendDiscard(ip, iface)
	until := time.Now().Add(min(time.Second, time.Until(deadline)/2))
	for time.Now().Before(until) && !neighbourUsable(link.Attrs().Index, hop) {
		time.Sleep(20 * time.Millisecond)
	}
}

// routeOut is the main table's route to ip and the link it leaves by.
func routeOut(ip net.IP) (netlink.Route, netlink.Link, error) {
	routes, err := netlink.RouteGet(ip)
	if err != nil {
		return netlink.Route{}, nil, err
	}
	if len(routes) == 0 {
		return netlink.Route{}, nil, fmt.Errorf("no route to %s", ip)
	}
	link, err := netlink.LinkByIndex(routes[0].LinkIndex)
	return routes[0], link, err
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

package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// The lab's network: the outer namespace holds the bridge and a gateway
// address in each /24 the servers use; each host namespace has one veth
// ("eth0") on that bridge with the server's address and a default route
// via the gateway of its /24. Every function here first reads and only
// changes what differs, so that a second Up changes nothing.

// hostPrefixLen is the prefix length of every lab address.
const hostPrefixLen = 24

// gateways picks, for each /24 the servers use, the highest host address
// no server has ("198.51.100.254/24"), in the order the /24s first appear.
func gateways(servers []Server) ([]netip.Prefix, error) {
	used := map[netip.Addr]bool{}
	var nets []netip.Prefix
	for _, s := range servers {
		a, err := netip.ParseAddr(s.Address)
		if err != nil {
			return nil, fmt.Errorf("lab: server %s: address %q: %w", s.Name, s.Address, err)
		}
		used[a] = true
		p := netip.PrefixFrom(a, hostPrefixLen).Masked()
		if !containsPrefix(nets, p) {
			nets = append(nets, p)
		}
	}
	var gws []netip.Prefix
	for _, n := range nets {
		gw, ok := highestFree(n, used)
		if !ok {
			return nil, fmt.Errorf("lab: no free address left in %s for the lab gateway", n)
		}
		gws = append(gws, netip.PrefixFrom(gw, hostPrefixLen))
	}
	return gws, nil
}

func containsPrefix(ps []netip.Prefix, p netip.Prefix) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// highestFree is the highest address of n below the broadcast address that
// is not in used.
func highestFree(n netip.Prefix, used map[netip.Addr]bool) (netip.Addr, bool) {
	b := n.Addr().As4()
	for last := 254; last >= 1; last-- {
		b[3] = byte(last)
		a := netip.AddrFrom4(b)
		if !used[a] {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// gatewayFor is the gateway in the /24 of address.
func gatewayFor(address string, gws []netip.Prefix) (netip.Addr, error) {
	a, err := netip.ParseAddr(address)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, gw := range gws {
		if gw.Contains(a) {
			return gw.Addr(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no lab gateway for %s", address)
}

// vethName is the bridge side of a host's eth0: "v-NAME", or "v-" and a
// hash of the name when that would exceed the 15 bytes Linux allows.
func vethName(server string) string {
	if n := "v-" + server; len(n) <= unix.IFNAMSIZ-1 {
		return n
	}
	sum := sha256.Sum256([]byte(server))
	return "v-" + hex.EncodeToString(sum[:6])
}

// handleIn opens a netlink handle inside a named network namespace.
func handleIn(name string) (*netlink.Handle, error) {
	ns, err := netns.GetFromPath(netnsPath(name))
	if err != nil {
		return nil, fmt.Errorf("open network namespace %s: %w", name, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("netlink in %s: %w", name, err)
	}
	return h, nil
}

// ensureOuterNet makes the outer namespace's loopback, bridge, gateway
// addresses and IPv4 forwarding (between the /24s) what they should be.
// Addresses on the bridge that are no gateway any more are removed.
func ensureOuterNet(outer string, gws []netip.Prefix) error {
	h, err := handleIn(outer)
	if err != nil {
		return err
	}
	defer h.Delete()
	if err := ensureUp(h, "lo"); err != nil {
		return fmt.Errorf("%s: %w", outer, err)
	}
	br, err := h.LinkByName(bridgeName)
	if isNotFound(err) {
		err = h.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: bridgeName}})
		if err == nil {
			br, err = h.LinkByName(bridgeName)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: bridge %s: %w", outer, bridgeName, err)
	}
	if err := syncAddrs(h, br, gws, true); err != nil {
		return fmt.Errorf("%s: %w", outer, err)
	}
	if err := ensureUp(h, bridgeName); err != nil {
		return fmt.Errorf("%s: %w", outer, err)
	}
	if err := quickACK(h, br, gws); err != nil {
		return fmt.Errorf("%s: %w", outer, err)
	}
	if len(gws) > 1 {
		return inNetns(outer, func() error { return ensureSysctl("/proc/sys/net/ipv4/ip_forward", "1") })
	}
	return nil
}

// ensureHostNet gives a host namespace its eth0 (a veth whose other end is
// on the outer bridge), its address, loopback and default route. Addresses
// and routes added later (by drover apply) are left alone.
func ensureHostNet(outer string, hs HostState, gw netip.Addr) error {
	oh, err := handleIn(outer)
	if err != nil {
		return err
	}
	defer oh.Delete()
	hh, err := handleIn(hs.Netns)
	if err != nil {
		return err
	}
	defer hh.Delete()
	wrap := func(err error) error { return wrapErr(err, "lab host %s (%s)", hs.Name, hs.Netns) }

	if err := ensureVeth(oh, hh, hs); err != nil {
		return wrap(err)
	}
	if err := ensureUp(hh, "lo"); err != nil {
		return wrap(err)
	}
	eth0, err := hh.LinkByName("eth0")
	if err != nil {
		return wrap(fmt.Errorf("eth0: %w", err))
	}
	a, err := netip.ParseAddr(hs.Address)
	if err != nil {
		return wrap(err)
	}
	addr := netip.PrefixFrom(a, hostPrefixLen)
	if err := syncAddrs(hh, eth0, []netip.Prefix{addr}, false); err != nil {
		return wrap(err)
	}
	if err := ensureUp(hh, "eth0"); err != nil {
		return wrap(err)
	}
	return wrap(ensureDefaultRoute(hh, eth0, gw))
}

// ensureVeth makes the veth pair (bridge side in the outer namespace,
// enslaved to the bridge and up; "eth0" in the host), recreating it when
// either end is missing.
func ensureVeth(oh, hh *netlink.Handle, hs HostState) error {
	br, err := oh.LinkByName(bridgeName)
	if err != nil {
		return fmt.Errorf("bridge %s: %w", bridgeName, err)
	}
	outside, oerr := oh.LinkByName(hs.Veth)
	inside, ierr := hh.LinkByName("eth0")
	if oerr != nil || ierr != nil {
		if oerr == nil {
			_ = oh.LinkDel(outside)
		}
		if ierr == nil {
			_ = hh.LinkDel(inside)
		}
		hostNs, err := netns.GetFromPath(netnsPath(hs.Netns))
		if err != nil {
			return fmt.Errorf("open network namespace: %w", err)
		}
		defer hostNs.Close()
		veth := &netlink.Veth{
			LinkAttrs:     netlink.LinkAttrs{Name: hs.Veth, MasterIndex: br.Attrs().Index},
			PeerName:      "eth0",
			PeerNamespace: netlink.NsFd(int(hostNs)),
		}
		if err := oh.LinkAdd(veth); err != nil {
			return fmt.Errorf("create veth %s (eth0 in %s): %w", hs.Veth, hs.Netns, err)
		}
		if outside, err = oh.LinkByName(hs.Veth); err != nil {
			return fmt.Errorf("veth %s: %w", hs.Veth, err)
		}
	}
	if outside.Attrs().MasterIndex != br.Attrs().Index {
		if err := oh.LinkSetMaster(outside, br); err != nil {
			return fmt.Errorf("attach %s to %s: %w", hs.Veth, bridgeName, err)
		}
	}
	return ensureUp(oh, hs.Veth)
}

// ensureUp sets a link up unless it is.
func ensureUp(h *netlink.Handle, name string) error {
	l, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	if l.Attrs().Flags&net.FlagUp != 0 {
		return nil
	}
	return wrapErr(h.LinkSetUp(l), "set %s up", name)
}

// syncAddrs adds the IPv4 addresses want that link lacks; with exact it
// also removes the link's other global IPv4 addresses.
func syncAddrs(h *netlink.Handle, link netlink.Link, want []netip.Prefix, exact bool) error {
	name := link.Attrs().Name
	have, err := h.AddrList(link, netlink.FAMILY_V4)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("addresses of %s: %w", name, err)
	}
	present := map[netip.Prefix]bool{}
	for _, a := range have {
		p, ok := prefixOf(a.IPNet)
		if !ok {
			continue
		}
		present[p] = true
		if exact && !containsPrefix(want, p) && a.Scope == unix.RT_SCOPE_UNIVERSE {
			if err := h.AddrDel(link, &a); err != nil {
				return fmt.Errorf("remove %s from %s: %w", p, name, err)
			}
		}
	}
	for _, p := range want {
		if present[p] {
			continue
		}
		a := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)}}
		if err := h.AddrAdd(link, a); err != nil {
			return fmt.Errorf("add %s to %s: %w", p, name, err)
		}
	}
	return nil
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	bits, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), bits), true
}

// ensureDefaultRoute makes the main table's IPv4 default route go via gw.
func ensureDefaultRoute(h *netlink.Handle, eth0 netlink.Link, gw netip.Addr) error {
	routes, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("routes: %w", err)
	}
	for _, r := range routes {
		if isDefault(r) && r.Gw != nil && r.Gw.Equal(gw.AsSlice()) && r.LinkIndex == eth0.Attrs().Index {
			return nil
		}
	}
	route := &netlink.Route{
		LinkIndex: eth0.Attrs().Index,
		Dst:       &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)},
		Gw:        gw.AsSlice(),
	}
	return wrapErr(h.RouteReplace(route), "default route via %s", gw)
}

func isDefault(r netlink.Route) bool {
	if r.Dst == nil {
		return true
	}
	ones, _ := r.Dst.Mask.Size()
	return ones == 0 && r.Dst.IP.IsUnspecified()
}

// ensureSysctl writes value to a /proc/sys file unless it holds it. Files
// under /proc/sys/net belong to the calling thread's network namespace.
func ensureSysctl(path, value string) error {
	old, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(old)) == value {
		return nil
	}
	return wrapErr(os.WriteFile(path, []byte(value+"\n"), 0o644), "write %s", path)
}

func isNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf)
}

// quickACK marks the routes to the lab hosts "quickack": the controller
// then acknowledges at once instead of delaying it ~40 ms, which sshd
// waits for before it answers the first session request on a connection.
func quickACK(h *netlink.Handle, br netlink.Link, gws []netip.Prefix) error {
	for _, gw := range gws {
		dst := gw.Masked()
		r := &netlink.Route{
			LinkIndex: br.Attrs().Index, Scope: netlink.SCOPE_LINK, Protocol: unix.RTPROT_KERNEL,
			Dst: &net.IPNet{IP: dst.Addr().AsSlice(), Mask: net.CIDRMask(dst.Bits(), 32)},
			Src: gw.Addr().AsSlice(), QuickACK: 1,
		}
		if err := h.RouteReplace(r); err != nil {
			return fmt.Errorf("route %s quickack: %w", dst, err)
		}
	}
	return nil
}

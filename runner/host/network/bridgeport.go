package network

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
)

// bridgeportKind puts a server's physical interface under a bridge and
// moves the interface's addresses and routes (the default route included)
// to the bridge, in one netlink sequence run by the helper: drover's own
// SSH session travels over that interface, so nothing may be left half
// done. Each step is undone, in reverse order, when a later one fails.
// Deleting the resource moves everything back and removes the bridge (when
// drover made it).
//
// Name: the bridge. Attributes:
//   - bridge: the bridge's name (default: the resource name; replace)
//   - port: the interface that becomes the bridge's port (replace)
//
// The bridge takes the port's MAC address and MTU, so that neighbours'
// ARP caches stay valid. Saved: created ("true" when drover made the
// bridge), port, and the addresses moved.
type bridgeportKind struct{}

func (bridgeportKind) ReplaceOn() []string { return []string{"bridge", "port"} }

func (bridgeportKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "bridge", r.Name)
	return r
}

// Outputs name the port, so that a module can find it again once the
// server's address lives on the bridge.
func (bridgeportKind) Outputs(r core.Resource, saved map[string]string) map[string]string {
	port := saved["port"]
	if port == "" {
		port = r.Attrs["port"]
	}
	return map[string]string{"port": port}
}

// Read reports the resource present when the port is a port of the bridge
// and holds no address of its own any more.
func (bridgeportKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	br, err := netlink.LinkByName(r.Attrs["bridge"])
	if isLinkNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if br.Type() != "bridge" {
		return nil, false, fmt.Errorf("%s exists but is a %s, not a bridge", r.Attrs["bridge"], br.Type())
	}
	port, err := netlink.LinkByName(r.Attrs["port"])
	if isLinkNotFound(err) {
		return nil, false, fmt.Errorf("interface %s does not exist (it would become a port of %s)", r.Attrs["port"], r.Attrs["bridge"])
	}
	if err != nil {
		return nil, false, err
	}
	if port.Attrs().MasterIndex != br.Attrs().Index {
		return nil, false, nil
	}
	addrs, err := movableAddrs(port)
	if err != nil || len(addrs) > 0 {
		return nil, false, err
	}
	return map[string]string{"bridge": r.Attrs["bridge"], "port": r.Attrs["port"]}, true, nil
}

func (bridgeportKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
	name, portName := r.Attrs["bridge"], r.Attrs["port"]
	port, err := netlink.LinkByName(portName)
	if err != nil {
		return nil, fmt.Errorf("port %s of bridge %s: %w", portName, name, err)
	}
	var j journal
	br, created, err := ensureBridge(&j, name, port)
	if err == nil {
		err = moveNetwork(&j, port, br, false)
	}
	if err != nil {
		return nil, j.rollback(fmt.Errorf("put %s under bridge %s: %w", portName, name, err))
	}
	out := map[string]string{"port": portName, "created": saved["created"]}
	if created {
		out["created"] = "true"
	}
	return out, nil
}

// ensureBridge returns the bridge, made (with the port's MAC and MTU) when
// missing, and up.
func ensureBridge(j *journal, name string, port netlink.Link) (netlink.Link, bool, error) {
	br, err := netlink.LinkByName(name)
	created := false
	if isLinkNotFound(err) {
		la := netlink.NewLinkAttrs()
		la.Name, la.MTU, la.HardwareAddr = name, port.Attrs().MTU, port.Attrs().HardwareAddr
		if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: la}); err != nil {
			return nil, false, fmt.Errorf("create bridge %s: %w", name, err)
		}
		created = true
		j.undo("delete bridge "+name, func() error { return netlink.LinkDel(&netlink.Bridge{LinkAttrs: la}) })
		br, err = netlink.LinkByName(name)
	}
	if err != nil {
		return nil, false, err
	}
	if br.Type() != "bridge" {
		return nil, false, fmt.Errorf("%s exists but is a %s, not a bridge", name, br.Type())
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return nil, false, fmt.Errorf("set %s up: %w", name, err)
	}
	return br, created, nil
}

// moveNetwork moves the port's addresses and routes to the bridge and
// makes the port a port of it; back moves them from the bridge to the
// port and releases it. The order keeps the host reachable throughout:
// addresses first appear on their new holder, the port changes master,
// routes are replaced to leave through the new holder, and only then do
// the addresses leave the old one.
func moveNetwork(j *journal, port, br netlink.Link, back bool) error {
	from, to := port, br
	if back {
		from, to = br, port
	}
	addrs, err := movableAddrs(from)
	if err != nil {
		return err
	}
	routes, err := movableRoutes(from)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := addAddr(j, to, a); err != nil {
			return err
		}
	}
	if err := changeMaster(j, port, br, back); err != nil {
		return err
	}
	for _, rt := range routes {
		if err := moveRoute(j, rt, to); err != nil {
			return err
		}
	}
	for _, a := range addrs {
		if err := delAddr(j, from, a); err != nil {
			return err
		}
	}
	return nil
}

// changeMaster enslaves port to br, or (release) lets it go.
func changeMaster(j *journal, port, br netlink.Link, release bool) error {
	p, b := port.Attrs().Name, br.Attrs().Name
	enslaved := port.Attrs().MasterIndex == br.Attrs().Index
	switch {
	case !release && !enslaved:
		if err := netlink.LinkSetMaster(port, br); err != nil {
			return fmt.Errorf("enslave %s to %s: %w", p, b, err)
		}
		j.undo("release "+p, func() error { return netlink.LinkSetNoMaster(port) })
	case release && enslaved:
		if err := netlink.LinkSetNoMaster(port); err != nil {
			return fmt.Errorf("release %s from %s: %w", p, b, err)
		}
		j.undo("enslave "+p+" to "+b+" again", func() error { return netlink.LinkSetMaster(port, br) })
	}
	return nil
}

func addAddr(j *journal, l netlink.Link, a netlink.Addr) error {
	a.Label = "" // a label must start with its link's name
	if err := netlink.AddrReplace(l, &a); err != nil {
		return fmt.Errorf("add %s to %s: %w", a.IPNet, l.Attrs().Name, err)
	}
	j.undo(fmt.Sprintf("remove %s from %s", a.IPNet, l.Attrs().Name), func() error { return netlink.AddrDel(l, &a) })
	return nil
}

func delAddr(j *journal, l netlink.Link, a netlink.Addr) error {
	err := netlink.AddrDel(l, &a)
	if err != nil && !errors.Is(err, syscall.EADDRNOTAVAIL) {
		return fmt.Errorf("remove %s from %s: %w", a.IPNet, l.Attrs().Name, err)
	}
	j.undo(fmt.Sprintf("add %s to %s again", a.IPNet, l.Attrs().Name), func() error { return netlink.AddrReplace(l, &a) })
	return nil
}

func moveRoute(j *journal, rt netlink.Route, to netlink.Link) error {
	moved := rt
	moved.LinkIndex = to.Attrs().Index
	if err := netlink.RouteReplace(&moved); err != nil {
		return fmt.Errorf("move route %s to %s: %w", routeString(rt), to.Attrs().Name, err)
	}
	j.undo("move route "+routeString(rt)+" back", func() error { return netlink.RouteReplace(&rt) })
	return nil
}

// movableAddrs are l's addresses other than link-local ones (the kernel
// makes those per link).
func movableAddrs(l netlink.Link) ([]netlink.Addr, error) {
	addrs, err := netlink.AddrList(l, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("list addresses of %s: %w", l.Attrs().Name, err)
	}
	var out []netlink.Addr
	for _, a := range addrs {
		if !a.IP.IsLinkLocalUnicast() {
			out = append(out, a)
		}
	}
	return out, nil
}

// movableRoutes are the routes leaving through l in every table but the
// local one, without those the kernel made for l's addresses.
func movableRoutes(l netlink.Link) ([]netlink.Route, error) {
	filter := &netlink.Route{LinkIndex: l.Attrs().Index, Table: syscall.RT_TABLE_UNSPEC}
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_ALL, filter, netlink.RT_FILTER_OIF|netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("list routes of %s: %w", l.Attrs().Name, err)
	}
	var out []netlink.Route
	for _, rt := range routes {
		if rt.Table == syscall.RT_TABLE_LOCAL || rt.Protocol == syscall.RTPROT_KERNEL || len(rt.MultiPath) > 0 {
			continue
		}
		if rt.Dst != nil && rt.Dst.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, rt)
	}
	return out, nil
}

func routeString(rt netlink.Route) string {
	dst := "default"
	if rt.Dst != nil {
		dst = rt.Dst.String()
	}
	if rt.Gw != nil {
		return dst + " via " + rt.Gw.String()
	}
	return dst
}

// Delete moves the addresses and routes back to the port, releases it and
// removes the bridge drover made.
func (bridgeportKind) Delete(r core.Resource, saved map[string]string) error {
	name := r.Attrs["bridge"]
	if name == "" {
		name = r.Name
	}
	portName := saved["port"]
	if portName == "" {
		portName = r.Attrs["port"]
	}
	br, err := netlink.LinkByName(name)
	if isLinkNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	port, err := netlink.LinkByName(portName)
	if isLinkNotFound(err) {
		return deleteBridge(name, br, saved)
	}
	if err != nil {
		return err
	}
	var j journal
	if err := moveNetwork(&j, port, br, true); err != nil {
		return j.rollback(fmt.Errorf("move %s's addresses back to %s: %w", name, portName, err))
	}
	return deleteBridge(name, br, saved)
}

func deleteBridge(name string, br netlink.Link, saved map[string]string) error {
	if saved["created"] != "true" {
		return nil
	}
	if err := netlink.LinkDel(br); err != nil && !isLinkNotFound(err) {
		return fmt.Errorf("delete bridge %s: %w", name, err)
	}
	return nil
}

// journal records how to undo each step of a sequence.
type journal struct {
	steps []undoStep
}

type undoStep struct {
	what string
	do   func() error
}

func (j *journal) undo(what string, do func() error) {
	j.steps = append(j.steps, undoStep{what, do})
}

// rollback undoes every step, last first, and returns cause with what
// could not be undone.
func (j *journal) rollback(cause error) error {
	var failed []string
	for i := len(j.steps) - 1; i >= 0; i-- {
		if err := j.steps[i].do(); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", j.steps[i].what, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w; rolling back also failed: %s", cause, strings.Join(failed, "; "))
	}
	if len(j.steps) > 0 {
		return fmt.Errorf("%w (rolled back)", cause)
	}
	return cause
}

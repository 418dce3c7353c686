package network

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
)

// routeKind manages IP routes.
//
// Name: the destination. Attributes:
//   - dst: destination prefix, "100.65.2.0/24" or "default" (default: the
//     resource name)
//   - via: gateway IP (optional; when the attribute is set, "" means none)
//   - dev: outgoing link (optional; compared only when set)
//   - table: routing table number (optional, default main; replace)
type routeKind struct{}

func (routeKind) ReplaceOn() []string { return []string{"dst", "table"} }

func (routeKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "dst", r.Name)
	return r
}

func (routeKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	want, err := desiredRoute(r.Attrs, false)
	if err != nil {
		return nil, false, err
	}
	found, err := findRoute(want)
	if err != nil || found == nil {
		return nil, false, err
	}
	actual := map[string]string{
		"dst":   r.Attrs["dst"],
		"via":   ipString(found.Gw),
		"dev":   host.LinkName(found.LinkIndex),
		"table": r.Attrs["table"],
	}
	if r.Attrs["dev"] == "" {
		delete(actual, "dev") // the kernel picks the link: not compared
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func (routeKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	want, err := desiredRoute(r.Attrs, true)
	if err != nil {
		return nil, err
	}
	if err := netlink.RouteReplace(want); err != nil {
		return nil, fmt.Errorf("route %s via %q dev %q: %w", r.Attrs["dst"], r.Attrs["via"], r.Attrs["dev"], err)
	}
	return nil, nil
}

func (routeKind) Delete(r core.Resource, _ map[string]string) error {
	want, err := desiredRoute(r.Attrs, false)
	if err != nil {
		return err
	}
	found, err := findRoute(want)
	if err != nil || found == nil {
		return err
	}
	if err := netlink.RouteDel(found); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("delete route %s: %w", r.Attrs["dst"], err)
	}
	return nil
}

// desiredRoute builds the route of attrs; withNexthop resolves via and dev.
func desiredRoute(attrs map[string]string, withNexthop bool) (*netlink.Route, error) {
	dst, err := parseDst(attrs["dst"])
	if err != nil {
		return nil, err
	}
	rt := &netlink.Route{Dst: dst, Table: syscall.RT_TABLE_MAIN}
	if attrs["table"] != "" {
		if rt.Table, err = strconv.Atoi(attrs["table"]); err != nil {
			return nil, fmt.Errorf("attribute table=%q is not a number", attrs["table"])
		}
	}
	if !withNexthop {
		return rt, nil
	}
	if rt.Gw, err = ipAttr(attrs, "via"); err != nil {
		return nil, err
	}
	if dev := attrs["dev"]; dev != "" {
		l, err := netlink.LinkByName(dev)
		if err != nil {
			return nil, fmt.Errorf("route %s: dev %s: %w", attrs["dst"], dev, err)
		}
		rt.LinkIndex = l.Attrs().Index
	}
	return rt, nil
}

func parseDst(s string) (*net.IPNet, error) {
	if s == "default" {
		s = "0.0.0.0/0"
	}
	_, dst, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("attribute dst=%q is not a prefix", s)
	}
	return dst, nil
}

// findRoute returns the route to want.Dst in want.Table, or nil.
func findRoute(want *netlink.Route) (*netlink.Route, error) {
	family := netlink.FAMILY_V4
	if want.Dst.IP.To4() == nil {
		family = netlink.FAMILY_V6
	}
	routes, err := netlink.RouteListFiltered(family, &netlink.Route{Table: want.Table}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	for i, rt := range routes {
		if sameDst(rt.Dst, want.Dst) {
			return &routes[i], nil
		}
	}
	return nil, nil
}

func sameDst(have, want *net.IPNet) bool {
	if have == nil {
		ones, _ := want.Mask.Size()
		return ones == 0
	}
	return have.String() == want.String()
}

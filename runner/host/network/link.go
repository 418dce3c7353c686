package network

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
)

// linkKind manages network links through netlink.
//
// Name: the link's name. Attributes:
//   - name: the link's name (default: the resource name)
//   - type: bridge, vxlan, veth, gre, ipip or gretap (replace)
//   - mtu: the MTU (optional: unset leaves the kernel's choice)
//   - up: "true" (default) or "false"
//   - mac: the link's hardware address (optional: unset leaves the
//     kernel's; a bridge with a set one keeps it whatever its ports do)
//   - master: the bridge to enslave the link to (optional; "" when the
//     attribute is set but empty means no master)
//   - vxlan only: vni (replace), port (UDP port, default 4789, replace),
//     local (source IP, replace), dev (underlay interface, replace), group
//     (multicast group, optional, replace), learning ("true" default or
//     "false", replace)
//   - veth only: peer (the peer's name, replace; read back only while the
//     peer is in the same network namespace)
//   - gre, ipip and gretap (link_tunnel.go): local and remote (the outer
//     IPv4 addresses, replace), ttl (outer TTL, default 64, replace), key
//     (gre and gretap only: the GRE key both ways, optional, replace); path
//     MTU discovery is always on (outer DF set)
//   - bridge only (link_stp.go), each optional, in place: stp_state ("1"
//     kernel 802.1D spanning tree, "0" none), forward_delay, hello_time and
//     max_age (whole seconds), priority (the bridge priority, 0-65535).
//     The kernel reports the timers a bridge runs with, which are the root
//     bridge's (carried in its hellos): declare the same on every bridge
//     of one spanning tree, or the non-root ones read as changed
type linkKind struct{}

func (linkKind) ReplaceOn() []string {
	return []string{"type", "vni", "port", "local", "dev", "group", "learning", "peer", "remote", "ttl", "key"}
}

func (linkKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "name", r.Name)
	host.SetDefault(r.Attrs, "up", "true")
	if r.Attrs["type"] == "vxlan" {
		host.SetDefault(r.Attrs, "port", "4789")
		host.SetDefault(r.Attrs, "learning", "true")
	}
	if isTunnelType(r.Attrs["type"]) {
		host.SetDefault(r.Attrs, "ttl", "64")
	}
	return r
}

func (linkKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	l, err := netlink.LinkByName(r.Attrs["name"])
	if isLinkNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	a := l.Attrs()
	actual := map[string]string{
		"name": a.Name,
		"type": l.Type(),
		"up":   strconv.FormatBool(a.Flags&net.FlagUp != 0),
	}
	if r.Attrs["mtu"] != "" {
		actual["mtu"] = strconv.Itoa(a.MTU)
	}
	if r.Attrs["mac"] != "" {
		actual["mac"] = a.HardwareAddr.String()
	}
	if _, set := r.Attrs["master"]; set {
		actual["master"] = host.LinkName(a.MasterIndex)
	}
	switch l := l.(type) {
	case *netlink.Vxlan:
		readVxlan(l, actual)
	case *netlink.Veth:
		if peer := vethPeer(l); peer != "" {
			actual["peer"] = peer
		}
	case *netlink.Gretun, *netlink.Iptun, *netlink.Gretap:
		readTunnel(l, actual)
	case *netlink.Bridge:
		if err := readBridgeSTP(a.Index, r.Attrs, actual); err != nil {
			return nil, false, err
		}
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func readVxlan(l *netlink.Vxlan, actual map[string]string) {
	actual["vni"] = strconv.Itoa(l.VxlanId)
	actual["port"] = strconv.Itoa(l.Port)
	actual["learning"] = strconv.FormatBool(l.Learning)
	actual["dev"] = host.LinkName(l.VtepDevIndex)
	actual["local"] = ipString(l.SrcAddr)
	actual["group"] = ipString(l.Group)
}

// vethPeer is the name of l's peer when the peer is in this namespace, else
// "". A peer index may name an unrelated link here when the peer lives in
// another namespace, so the candidate must point back at l.
func vethPeer(l *netlink.Veth) string {
	idx, err := netlink.VethPeerIndex(l)
	if err != nil {
		return ""
	}
	peer, err := netlink.LinkByIndex(idx)
	if err != nil {
		return ""
	}
	pv, ok := peer.(*netlink.Veth)
	if !ok {
		return ""
	}
	if back, err := netlink.VethPeerIndex(pv); err != nil || back != l.Attrs().Index {
		return ""
	}
	return pv.Attrs().Name
}

func (linkKind) Apply(r core.Resource, exists bool, _ map[string]string) (map[string]string, error) {
	if !exists && !existsAs(r.Attrs["name"], r.Attrs["type"]) {
		l, err := newLink(r.Attrs)
		if err != nil {
			return nil, err
		}
		if err := netlink.LinkAdd(l); err != nil {
			return nil, fmt.Errorf("create %s link %s: %w", r.Attrs["type"], r.Attrs["name"], err)
		}
	}
	l, err := netlink.LinkByName(r.Attrs["name"])
	if err != nil {
		return nil, err
	}
	return nil, configureLink(l, r.Attrs)
}

// existsAs reports whether link name exists with type typ: a veth's peer
// declared as a resource of its own appears when the first end is created.
func existsAs(name, typ string) bool {
	l, err := netlink.LinkByName(name)
	return err == nil && l.Type() == typ
}

func newLink(attrs map[string]string) (netlink.Link, error) {
	la := netlink.NewLinkAttrs()
	la.Name = attrs["name"]
	if attrs["mtu"] != "" {
		mtu, err := atoiAttr(attrs, "mtu")
		if err != nil {
			return nil, err
		}
		la.MTU = mtu
	}
	if attrs["mac"] != "" {
		// Created with its address, a link's address counts as set by
		// the user from the start: udev's MACAddressPolicy=persistent
		// (systemd hosts) never replaces it behind drover's back, and a
		// bridge never takes a port's.
		hw, err := net.ParseMAC(attrs["mac"])
		if err != nil {
			return nil, fmt.Errorf("link %s: attribute mac=%q: %w", la.Name, attrs["mac"], err)
		}
		la.HardwareAddr = hw
	}
	switch attrs["type"] {
	case "bridge":
		return &netlink.Bridge{LinkAttrs: la}, nil
	case "veth":
		if attrs["peer"] == "" {
			return nil, fmt.Errorf("veth %s: attribute peer is required", la.Name)
		}
		return &netlink.Veth{LinkAttrs: la, PeerName: attrs["peer"]}, nil
	case "vxlan":
		return newVxlan(la, attrs)
	case "gre", "ipip", "gretap":
		return newTunnel(la, attrs)
	}
	return nil, fmt.Errorf("link %s: type %q is not bridge, vxlan, veth, gre, ipip or gretap", la.Name, attrs["type"])
}

func newVxlan(la netlink.LinkAttrs, attrs map[string]string) (netlink.Link, error) {
	vni, err := atoiAttr(attrs, "vni")
	if err != nil {
		return nil, err
	}
	port, err := atoiAttr(attrs, "port")
	if err != nil {
		return nil, err
	}
	v := &netlink.Vxlan{LinkAttrs: la, VxlanId: vni, Port: port, Learning: attrs["learning"] != "false"}
	if v.SrcAddr, err = ipAttr(attrs, "local"); err != nil {
		return nil, err
	}
	if v.Group, err = ipAttr(attrs, "group"); err != nil {
		return nil, err
	}
	if dev := attrs["dev"]; dev != "" {
		under, err := netlink.LinkByName(dev)
		if err != nil {
			return nil, fmt.Errorf("vxlan %s: underlay dev %s: %w", la.Name, dev, err)
		}
		v.VtepDevIndex = under.Attrs().Index
	}
	return v, nil
}

// configureLink brings the in-place attributes (mtu, master, up) to their
// desired values; each call is a no-op when the value is already right.
func configureLink(l netlink.Link, attrs map[string]string) error {
	name := attrs["name"]
	if attrs["mtu"] != "" {
		mtu, err := atoiAttr(attrs, "mtu")
		if err != nil {
			return err
		}
		if l.Attrs().MTU != mtu {
			if err := netlink.LinkSetMTU(l, mtu); err != nil {
				return fmt.Errorf("set mtu %d on %s: %w", mtu, name, err)
			}
		}
	}
	if err := setMAC(l, attrs["mac"]); err != nil {
		return err
	}
	if err := setBridgeSTP(l, attrs); err != nil {
		return err
	}
	if master, set := attrs["master"]; set {
		if err := setMaster(l, master); err != nil {
			return err
		}
	}
	if attrs["up"] == "false" {
		if err := netlink.LinkSetDown(l); err != nil {
			return fmt.Errorf("set %s down: %w", name, err)
		}
		return nil
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("set %s up: %w", name, err)
	}
	return nil
}

// setMAC gives l the hardware address mac ("" = leave it).
func setMAC(l netlink.Link, mac string) error {
	if mac == "" {
		return nil
	}
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return fmt.Errorf("link %s: attribute mac=%q: %w", l.Attrs().Name, mac, err)
	}
	if l.Attrs().HardwareAddr.String() == hw.String() {
		return nil
	}
	if err := netlink.LinkSetHardwareAddr(l, hw); err != nil {
		return fmt.Errorf("set mac %s on %s: %w", hw, l.Attrs().Name, err)
	}
	return nil
}

func setMaster(l netlink.Link, master string) error {
	name := l.Attrs().Name
	if master == "" {
		if l.Attrs().MasterIndex == 0 {
			return nil
		}
		if err := netlink.LinkSetNoMaster(l); err != nil {
			return fmt.Errorf("release %s from its bridge: %w", name, err)
		}
		return nil
	}
	m, err := netlink.LinkByName(master)
	if err != nil {
		return fmt.Errorf("master %s of %s: %w", master, name, err)
	}
	if l.Attrs().MasterIndex == m.Attrs().Index {
		return nil
	}
	if err := netlink.LinkSetMaster(l, m); err != nil {
		return fmt.Errorf("enslave %s to %s: %w", name, master, err)
	}
	return nil
}

func (linkKind) Delete(r core.Resource, _ map[string]string) error {
	name := r.Attrs["name"]
	if name == "" {
		name = r.Name
	}
	l, err := netlink.LinkByName(name)
	if isLinkNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := netlink.LinkDel(l); err != nil {
		return fmt.Errorf("delete link %s: %w", name, err)
	}
	return nil
}

func isLinkNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf)
}

func ipString(ip net.IP) string {
	if ip == nil || ip.IsUnspecified() {
		return ""
	}
	return ip.String()
}

func atoiAttr(attrs map[string]string, key string) (int, error) {
	n, err := strconv.Atoi(attrs[key])
	if err != nil {
		return 0, fmt.Errorf("attribute %s=%q is not a number", key, attrs[key])
	}
	return n, nil
}

func ipAttr(attrs map[string]string, key string) (net.IP, error) {
	if attrs[key] == "" {
		return nil, nil
	}
	ip := net.ParseIP(attrs[key])
	if ip == nil {
		return nil, fmt.Errorf("attribute %s=%q is not an IP address", key, attrs[key])
	}
	return ip, nil
}

// Package vxlan expands a `network "vxlan"` declaration into host resources:
// on every member a bridge (default vxl0) with the member's overlay address,
// and a VXLAN device enslaved to it. Unicast networks (the default, for
// clouds without multicast) flood through head-end replication: one
// all-zeros FDB entry per peer. Multicast networks join a group instead.
// The DHCP host also runs dnsmasq and, with masquerade, NATs the overlay out.
package vxlan

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Overhead is what VXLAN over IPv4 adds to a frame: outer IP 20 + UDP 8 +
// VXLAN 8 + inner Ethernet 14.
const Overhead = 50

// endpoint is one member, resolved against the host's facts.
type endpoint struct {
	server  *lang.Server
	iface   string // underlay interface
	local   string // underlay address peers send to
	linkMTU int    // 0 = unknown
	facts   *core.Facts
	overlay string // address on the bridge, without prefix
	mac     string // the member's stable bridge MAC (StableMAC)
	// as a peer: what every other member wants for this one (peerOf)
	peer peerEntries
}

// peerEntries are the resources every other member of a unicast network
// wants for one member (its FDB and neighbour entries), and the
// attributes of their pings of it, built once per expansion rather than
// once per member and peer: the members' resources share the names and
// the attribute maps, which nothing changes once expanded.
type peerEntries struct {
	flood, fdb, neigh                string
	floodAttrs, fdbAttrs, neighAttrs map[string]string
	// ping are the attributes of a ping of this member with pingSize
	// bytes (the size of the first member that pings it).
	ping     map[string]string
	pingSize string
}

// Owner is the declaration name resources of n belong to.
func Owner(n *lang.Network) string { return "network." + n.Name }

// Expand returns, per member server name, what the network wants there.
// facts[name] is nil for a host whose facts are not known (offline plans):
// values derived from them are host.Unknown.
func Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return n.Spec.(*Network).Expand(n, c, facts)
}

// Expand returns, per member server name, what the network wants there.
func (v *Network) Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return v.ExpandHosts(n, c, facts, nil)
}

// ExpandHosts is Expand for the members in hosts only (nil = all): every
// member's entries for its peers are built only for the members asked
// for (modules.Stream). The network's own checks run whenever one of its
// members is asked for.
func (v *Network) ExpandHosts(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts, hosts map[string]bool) (map[string]*blocks.Set, error) {
	if hosts != nil && !slices.ContainsFunc(v.Members, func(m lang.Member) bool { return hosts[m.Server] }) {
		return nil, nil
	}
	subnet, err := netip.ParsePrefix(v.Subnet)
	if err != nil {
		return nil, fmt.Errorf("network %s: subnet: %w", n.Name, err)
	}
	eps := make([]endpoint, 0, len(v.Members))
	for _, m := range v.Members {
		ep, err := resolve(n, subnet, m, c.Server(m.Server), facts[m.Server])
		if err != nil {
			return nil, err
		}
		// Once per member, not once per member and peer: every peer's
		// FDB and neighbour entries name it.
		ep.mac = blocks.StableMAC("network", n.Name, ep.server.Name, v.Bridge)
		if v.Group == "" {
			ep.peer = peerOf(Device(v), v.Bridge, ep)
		}
		eps = append(eps, ep)
	}
	if err := checkDerived(n, subnet, eps); err != nil {
		return nil, err
	}
	out := make(map[string]*blocks.Set, len(eps))
	for i, ep := range eps {
		if hosts != nil && !hosts[ep.server.Name] {
			continue
		}
		set, err := member(n, subnet, eps, i, c.DNSForwards(), c.RoutedSubnets(ep.server.Name))
		if err != nil {
			return nil, err
		}
		out[ep.server.Name] = set
	}
	return out, nil
}

func resolve(n *lang.Network, subnet netip.Prefix, m lang.Member, s *lang.Server, f *core.Facts) (endpoint, error) {
	if s == nil {
		return endpoint{}, fmt.Errorf("network %s: unknown server %q", n.Name, m.Server)
	}
	ep := endpoint{server: s, iface: core.Unknown, local: s.Address, overlay: m.Address, facts: f}
	if s.Local {
		ep.local = core.Unknown
	}
	ep.iface = firstNonEmpty(m.Interface, s.Interface)
	if f != nil {
		ifc, ok := linkInterface(f, ep.iface, s.Address)
		if !ok {
			return endpoint{}, fmt.Errorf("network %s: server %s has no interface %q (it has %s)", n.Name, s.Name, ep.iface, names(f))
		}
		ep.iface, ep.linkMTU = ifc.Name, ifc.MTU
		if m.Interface != "" || s.Local {
			if ep.local = firstIPv4(ifc); ep.local == "" {
				return endpoint{}, fmt.Errorf("network %s: interface %s of %s has no IPv4 address", n.Name, ifc.Name, s.Name)
			}
		}
	} else if ep.iface == "" {
		ep.iface = core.Unknown
	}
	if a, err := netip.ParseAddr(ep.local); ep.overlay == "" && (s.Local || s.LearnAddress) && err == nil && a.Is4() {
		// lang derives members' addresses from their server addresses;
		// "local" and a server whose address is a host name have one once
		// their facts are known.
		ep.overlay = lang.DerivedAddress(subnet, a).String()
	}
	if ep.overlay == "" {
		ep.overlay = core.Unknown // "local" offline: known once drover connects
	}
	return ep, nil
}

// linkInterface picks the underlay: the named one, else the one holding the
// server's address, else the default route's.
func linkInterface(f *core.Facts, name, address string) (core.Interface, bool) {
	if name != "" {
		return f.Interface(name)
	}
	if ifc, ok := f.InterfaceWithIP(address); ok {
		return ifc, true
	}
	return f.Interface(f.DefaultIface)
}

func member(n *lang.Network, subnet netip.Prefix, eps []endpoint, i int, forward, routed []string) (*blocks.Set, error) {
	v, ep := n.Spec.(*Network), eps[i]
	set := &blocks.Set{Owner: Owner(n)}
	mtu := core.Unknown
	switch {
	case v.MTU > 0:
		mtu = strconv.Itoa(v.MTU)
	case ep.linkMTU > 0:
		mtu = strconv.Itoa(ep.linkMTU - Overhead)
	}
	// A stable MAC: a bridge takes its lowest port's otherwise, and a
	// repaired VXLAN device (a new random MAC) would leave peers' ARP
	// entries for this member's overlay address stale.
	br := set.Add("link", v.Bridge, map[string]string{"type": "bridge", "mtu": mtu, "up": "true", "mac": ep.mac})
	dev := Device(v)
	attrs := map[string]string{
		"type": "vxlan", "vni": strconv.Itoa(v.VNI), "port": strconv.Itoa(v.Port),
		"local": ep.local, "dev": ep.iface, "learning": "true", "master": v.Bridge, "mtu": mtu, "up": "true",
	}
	if v.Group != "" {
		attrs["group"] = v.Group
	}
	vx := set.Add("link", dev, attrs, br)
	cidr := ep.overlay + "/" + strconv.Itoa(subnet.Bits())
	addr := set.Add("addr", v.Bridge+"/"+cidr, map[string]string{"dev": v.Bridge, "cidr": cidr}, br)
	// One After list for every peer's entries (~1,000 of them on a member
	// of 20 networks of 50), clipped so that adding to one copies it.
	afterVX, afterAddr := []string{vx}[:1:1], []string{addr}[:1:1]
	peers := len(eps) - 1
	set.Resources = slices.Grow(set.Resources, 3*peers+8)
	set.Checks = slices.Grow(set.Checks, peers)
	size := pingSize(mtu)
	for j := range eps {
		if j == i {
			continue
		}
		peer := &eps[j]
		if v.Group == "" {
			p := &peer.peer
			set.Put("fdb", p.flood, p.floodAttrs, afterVX...)
			set.Put("fdb", p.fdb, p.fdbAttrs, afterVX...)
			if p.neighAttrs != nil {
				set.Put("neigh", p.neigh, p.neighAttrs, afterAddr...)
			}
		}
		addPingCheck(set, n, ep, peer, mtu, size)
	}
	if v.DHCP && ep.server.Name == v.DHCPHost {
		if err := dhcp(set, n, subnet, eps, i, mtu, addr, forward, routed); err != nil {
			return nil, err
		}
	}
	return set, nil
}

func dhcp(set *blocks.Set, n *lang.Network, subnet netip.Prefix, eps []endpoint, i int, mtu, after string, forward, routed []string) error {
	v, ep := n.Spec.(*Network), eps[i]
	gw, err := netip.ParseAddr(ep.overlay)
	if err != nil {
		return fmt.Errorf("network %s: the DHCP host %s has no overlay address until drover connects to it (an offline plan): plan online, or give it member %q { address = ... }, or set dhcp_host to another member", n.Name, ep.server.Name, ep.server.Name)
	}
	d := blocks.DHCP{
		Owner: Owner(n), Interface: v.Bridge, Subnet: subnet, Address: gw,
		Domain: v.Domain, Hostname: ep.server.Name, Facts: ep.facts, Forward: forward,
	}
	for _, peer := range eps {
		if a, err := netip.ParseAddr(peer.overlay); err == nil {
			d.Static = append(d.Static, a)
		}
	}
	if mtu != core.Unknown {
		d.MTU = mtu
	}
	if v.Masquerade {
		d.Router = gw.String()
		if err := blocks.Masquerade(set, blocks.TableName("net", n.Name), []string{subnet.String()}, routed); err != nil {
			return err
		}
	}
	return d.AddTo(set, after)
}

// peerOf is what every other member wants for member ep: the all-zeros
// FDB entry that floods to its VTEP (head-end replication), and
// knownPeer's entries.
//
// knownPeer tells a member where a peer's bridge is, so that members
// reach each other without flooding: the peer's stable bridge MAC behind
// the peer's VTEP (an FDB entry) and its overlay address at that MAC (a
// permanent neighbour entry). Without them every member resolves every
// other by broadcast ARP, which head-end replication copies to every
// peer: N members cost N x (N-1) x (N-1) frames at once (30 members, ~25,000
// frames, most of them dropped). Containers on the bridge still use ARP.
func peerOf(dev, bridge string, ep endpoint) peerEntries {
	p := peerEntries{
		flood:      dev + "/" + ep.local,
		floodAttrs: map[string]string{"dev": dev, "mac": "00:00:00:00:00:00", "dst": ep.local},
		fdb:        dev + "/" + ep.local + "/" + ep.mac,
		fdbAttrs:   map[string]string{"dev": dev, "mac": ep.mac, "dst": ep.local},
	}
	if ep.overlay != core.Unknown {
		p.neigh = bridge + "/" + ep.overlay
		p.neighAttrs = map[string]string{"dev": bridge, "ip": ep.overlay, "mac": ep.mac}
	}
	return p
}

// pingSize is the payload of a full-size ping over an overlay of mtu: the
// MTU less the IPv4 and ICMP headers, 1400 when the MTU is unknown.
func pingSize(mtu string) string {
	if m, err := strconv.Atoi(mtu); err == nil {
		return strconv.Itoa(m - 28)
	}
	return "1400"
}

// addPingCheck proves the overlay and its MTU: a full-size (size), don't-
// fragment ping from this member's bridge address to the peer's.
func addPingCheck(set *blocks.Set, n *lang.Network, from endpoint, to *endpoint, mtu, size string) {
	attrs := to.peer.ping
	if attrs == nil || to.peer.pingSize != size {
		attrs = map[string]string{"dst": to.overlay, "size": size, "df": "true", "count": "1", "timeout_ms": "3000"}
		if to.peer.ping == nil {
			to.peer.ping, to.peer.pingSize = attrs, size
		}
	}
	set.Checks = append(set.Checks, core.Check{Kind: "ping", Attrs: attrs, Owner: set.Owner, Peer: to.server.Name,
		Title: from.server.Name + " reaches " + to.server.Name + " over " + n.Name + " with " + mtu + "-byte frames"})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstIPv4(ifc core.Interface) string {
	for _, a := range ifc.Addrs {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() {
			return p.Addr().String()
		}
	}
	return ""
}

func names(f *core.Facts) string {
	s := ""
	for i, ifc := range f.Interfaces {
		if i > 0 {
			s += ", "
		}
		s += ifc.Name
	}
	return s
}

// checkDerived checks the overlay addresses derived once facts are known
// (lang checks the others): each a host of the subnet, none taken twice.
func checkDerived(n *lang.Network, subnet netip.Prefix, eps []endpoint) error {
	seen := make(map[netip.Addr]string, len(eps))
	for _, ep := range eps {
		a, err := netip.ParseAddr(ep.overlay)
		if err != nil {
			continue
		}
		derived := ep.server.Local || ep.server.LearnAddress
		if other, dup := seen[a]; dup {
			return fmt.Errorf("network %s: members %s and %s both get %s (taken from the last bits of the server addresses); %s",
				n.Name, other, ep.server.Name, a, addressHint(ep))
		}
		seen[a] = ep.server.Name
		if derived && (a == subnet.Masked().Addr() || !subnet.Contains(a.Next())) {
			return fmt.Errorf("network %s: member %s would get %s, the network or broadcast address of %s, from its address %s; %s",
				n.Name, ep.server.Name, a, subnet, ep.local, addressHint(ep))
		}
	}
	return nil
}

// addressHint tells how to give member ep an address of its own.
func addressHint(ep endpoint) string {
	return fmt.Sprintf("set member %q { address = ... }", ep.server.Name)
}

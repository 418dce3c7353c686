// Package l2vpn expands a `network "l2vpn"` declaration (the seed's PeerVPN
// network) into host resources: a WireGuard full mesh between the members
// (modules/wireguard), and over it a VXLAN device per member, joined to a
// bridge (default vpl0) that carries the member's address of the layer-2
// subnet. Containers attached to the bridges on different servers share
// one encrypted layer-2 segment: VXLAN frames only ever travel inside
// WireGuard.
package l2vpn

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/wireguard"
)

// Overheads of the two encapsulations over IPv4.
const (
	WireGuardOverhead = 80 // outer IPv6-sized worst case, as wg-quick: 1500 -> 1420
	VXLANOverhead     = 50
	vxlanPort         = 4789
)

// Owner is the declaration name resources of n belong to.
func Owner(n *lang.Network) string { return "network." + n.Name }

// Device is the VXLAN device's name.
func Device(v *Network) string { return "vpv" + strconv.Itoa(v.VNI) }

// Expand returns, per member server name, what the network wants there.
func Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return n.Spec.(*Network).Expand(n, c, facts)
}

// Expand returns, per member server name, what the network wants there.
// facts[name] is nil for a host whose facts are not known (offline plans).
func (v *Network) Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	tunnel, err := netip.ParsePrefix(v.TunnelSubnet)
	if err != nil {
		return nil, fmt.Errorf("network %s: tunnel_subnet: %w", n.Name, err)
	}
	subnet, err := netip.ParsePrefix(v.Subnet)
	if err != nil {
		return nil, fmt.Errorf("network %s: subnet: %w", n.Name, err)
	}
	bridgeMTU := v.MTU
	if bridgeMTU == 0 {
		bridgeMTU = 1500 - WireGuardOverhead - VXLANOverhead
	}
	mesh := wireguard.Mesh{Owner: Owner(n), Interface: v.Interface, Subnet: tunnel, Port: v.Port,
		Keepalive: v.Keepalive, MTU: bridgeMTU + VXLANOverhead, Rotation: v.RotateKeys}
	for _, mb := range v.Members {
		s := c.Server(mb.Server)
		if s == nil {
			return nil, fmt.Errorf("network %s: unknown server %q", n.Name, mb.Server)
		}
		wm, err := wireguard.NewMember(n.Name, s, lang.Member{Server: s.Name, Interface: mb.Interface}, v.Endpoint[s.Name], v.Port, tunnel, facts[s.Name])
		if err != nil {
			return nil, err
		}
		mesh.Members = append(mesh.Members, wm)
	}
	out := map[string]*blocks.Set{}
	for i, mb := range v.Members {
		set := &blocks.Set{Owner: Owner(n)}
		mesh.AddTo(set, i, facts)
		if err := v.bridge(set, n, mesh, i, mb, subnet, bridgeMTU); err != nil {
			return nil, err
		}
		if v.DHCP && mb.Server == v.DHCPHost {
			if err := v.dhcp(set, n, c, subnet, i, bridgeMTU, facts[mb.Server]); err != nil {
				return nil, err
			}
		}
		out[mb.Server] = set
	}
	return out, nil
}

// dhcp adds dnsmasq on the DHCP host's bridge: leases from the upper half
// of the subnet (members' addresses there reserved), DNS under the
// network's domain, the bridge's MTU. No default route: the VPN is a
// layer-2 segment, not a way out.
func (v *Network) dhcp(set *blocks.Set, n *lang.Network, c *lang.Cluster, subnet netip.Prefix, i, mtu int, f *core.Facts) error {
	me := v.Members[i]
	gw, err := netip.ParseAddr(me.Address)
	if err != nil {
		return fmt.Errorf("network %s: the DHCP host %s needs an address on %s", n.Name, me.Server, v.Bridge)
	}
	d := blocks.DHCP{
		Owner: Owner(n), Interface: v.Bridge, Subnet: subnet, Address: gw, Domain: v.Domain,
		Hostname: me.Server, MTU: strconv.Itoa(mtu), Facts: f, Forward: c.DNSForwards(),
	}
	for _, m := range v.Members {
		if a, err := netip.ParseAddr(m.Address); err == nil {
			d.Static = append(d.Static, a)
		}
	}
	return d.AddTo(set, "addr/"+v.Bridge+"/"+me.Address+"/"+strconv.Itoa(subnet.Bits()))
}

// bridge adds member i's bridge, its address and the VXLAN device that
// floods to every peer's tunnel address through the WireGuard interface.
func (v *Network) bridge(set *blocks.Set, n *lang.Network, mesh wireguard.Mesh, i int, mb lang.Member, subnet netip.Prefix, mtu int) error {
	me := mesh.Members[i]
	if mb.Address == "" {
		return fmt.Errorf("network %s: member %s has no address on %s", n.Name, mb.Server, v.Bridge)
	}
	m := strconv.Itoa(mtu)
	br := set.Add("link", v.Bridge, map[string]string{"type": "bridge", "mtu": m, "up": "true"})
	tunnelAddr := "addr/" + v.Interface + "/" + me.Address + "/" + strconv.Itoa(mesh.Subnet.Bits())
	dev := Device(v)
	vx := set.Add("link", dev, map[string]string{
		"type": "vxlan", "vni": strconv.Itoa(v.VNI), "port": strconv.Itoa(vxlanPort),
		"local": me.Address, "dev": v.Interface, "learning": "true", "master": v.Bridge, "mtu": m, "up": "true",
	}, br, mesh.DeviceID(), tunnelAddr)
	cidr := mb.Address + "/" + strconv.Itoa(subnet.Bits())
	set.Add("addr", v.Bridge+"/"+cidr, map[string]string{"dev": v.Bridge, "cidr": cidr}, br)
	for j, p := range mesh.Members {
		if j == i {
			continue
		}
		set.Add("fdb", dev+"/"+p.Address, map[string]string{"dev": dev, "mac": "00:00:00:00:00:00", "dst": p.Address}, vx)
		set.Check("ping", fmt.Sprintf("%s reaches %s on %s with %d-byte frames, encrypted", me.Server, p.Server, v.Bridge, mtu),
			map[string]string{"dst": v.Members[j].Address, "size": strconv.Itoa(mtu - 28), "df": "true", "count": "1", "timeout_ms": "3000", "retry_ms": "5000"})
		set.Checks[len(set.Checks)-1].Peer = p.Server
	}
	return nil
}

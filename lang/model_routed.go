package lang

import (
	"net/netip"
	"slices"
)

// RoutedSubnets are the subnets server reaches over the cluster's L3
// overlays (BGP and WireGuard networks it is a member of): every member's
// container subnet where the network carries them, the subnets members
// announce or share, and a WireGuard network's tunnel subnet. Traffic
// from a container subnet to these keeps its source address: drover
// masquerades only what leaves the cluster.
func (c *Cluster) RoutedSubnets(server string) []string {
	var out []string
	add := func(s ...string) {
		for _, p := range s {
			// A default route announced or shared stays masqueraded:
			// what leaves the cluster must.
			if pp, err := netip.ParsePrefix(p); err != nil || pp.Bits() == 0 || slices.Contains(out, p) {
				continue
			}
			out = append(out, p)
		}
	}
	member := func(ms []Member) bool {
		return slices.ContainsFunc(ms, func(m Member) bool { return m.Server == server })
	}
	for _, n := range c.Networks {
		switch {
		case n.BGP != nil && member(n.BGP.Members):
			for _, m := range n.BGP.Members {
				if s := c.Server(m.Server); s != nil && n.BGP.ContainerSubnets {
					add(s.Subnet)
				}
				add(n.BGP.Announce[m.Server]...)
			}
		case n.WireGuard != nil && member(n.WireGuard.Members):
			add(n.WireGuard.Subnet)
			for _, m := range n.WireGuard.Members {
				if s := c.Server(m.Server); s != nil && n.WireGuard.ContainerSubnets {
					add(s.Subnet)
				}
				add(n.WireGuard.Share[m.Server]...)
			}
		}
	}
	return out
}

package lang

import (
	"net/netip"
	"slices"
)

// RoutedSubnets are the subnets server reaches over the cluster's L3
// overlays (the RoutedNetworks it is a member of, BGP and WireGuard):
// every member's container subnet where the network carries them, the
// subnets members announce or share, and a WireGuard network's tunnel
// subnet. Traffic
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
	for _, n := range c.Networks {
		r, ok := n.Spec.(RoutedNetwork)
		if ok && slices.ContainsFunc(n.Members(), func(m Member) bool { return m.Server == server }) {
			add(r.RoutedSubnets(c)...)
		}
	}
	return out
}

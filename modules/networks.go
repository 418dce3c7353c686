package modules

import (
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/bgp"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/bridge"
	"github.com/drover/drover/modules/l2vpn"
	"github.com/drover/drover/modules/tunnel"
	"github.com/drover/drover/modules/vxlan"
	"github.com/drover/drover/modules/wireguard"
)

// expandNetwork runs the module of a network's kind: what the network
// wants on each member, by server name.
func expandNetwork(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	switch {
	case n.VXLAN != nil:
		return vxlan.Expand(n, c, facts)
	case n.BGP != nil:
		return bgp.Expand(n, c, facts)
	case n.WireGuard != nil:
		return wireguard.Expand(n, c, facts)
	case n.L2VPN != nil:
		return l2vpn.Expand(n, c, facts)
	case n.Tunnel != nil:
		return tunnel.Expand(n, c, facts)
	case n.Bridge != nil:
		return bridge.Expand(n, c, facts)
	}
	return nil, nil
}

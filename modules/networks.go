package modules

import (
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// networkExpander is what modules asks of a registered network kind's
// model (lang.Network.Spec): what the network wants on each member.
type networkExpander interface {
	Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error)
}

// networkHostsExpander is a network kind that can expand for some of its
// members only (Stream): hosts names them, nil = all. A network with many
// members per host (VXLAN: every member has an entry per peer) saves a
// plan of a large fleet from holding every member's state at once.
type networkHostsExpander interface {
	ExpandHosts(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts, hosts map[string]bool) (map[string]*blocks.Set, error)
}

// expandNetwork runs the module of a network's kind: what the network
// wants on each member, by server name.
func expandNetwork(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	if e, ok := n.Spec.(networkExpander); ok {
		return e.Expand(n, c, facts)
	}
	return nil, nil
}

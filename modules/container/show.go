package container

import (
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// TopologyNode draws k joined to the servers that run it (bold) and its
// networks (dotted, with its static address); a container that runs
// nowhere (only a base for jobs) has no node (ID "").
func (k *Decl) TopologyNode() core.TopoNode {
	if len(k.Servers) == 0 {
		return core.TopoNode{}
	}
	n := core.TopoNode{ID: "container/" + k.Name, Shape: "component", Color: "white", Label: []string{"container " + k.Name}}
	for _, s := range k.Servers {
		n.Edges = append(n.Edges, core.TopoEdge{To: "server/" + s, Style: "bold"})
	}
	for _, i := range k.Interfaces {
		n.Edges = append(n.Edges, core.TopoEdge{To: NetworkNode(i.Network), Label: i.Address, Style: "dotted"})
	}
	return n
}

// NetworkNode is the topology node of a container network: the servers'
// container subnets, or a declared network.
func NetworkNode(name string) string {
	if name == lang.SubnetNetwork || name == "" {
		return "subnets"
	}
	return "network/" + name
}

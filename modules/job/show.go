package job

import (
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/modules/container"
)

// TopologyNode draws j with its count and base container, joined to its
// candidate servers (bold) and its network (dotted).
func (j *Decl) TopologyNode() core.TopoNode {
	n := core.TopoNode{ID: "job/" + j.Name, Shape: "component", Color: "plum",
		Label: []string{fmt.Sprintf("job %s ×%d", j.Name, j.Count), "container " + j.Container}}
	for _, s := range j.Servers {
		n.Edges = append(n.Edges, core.TopoEdge{To: "server/" + s, Style: "bold"})
	}
	if j.Network != "" {
		n.Edges = append(n.Edges, core.TopoEdge{To: container.NetworkNode(j.Network), Style: "dotted"})
	}
	return n
}

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

// writeTopology draws the cluster as one picture (DOT, undirected):
// servers with their addresses and container subnets, networks joined to
// their members, tunnels between their two ends, VIPs to the servers that
// may hold them (with priorities), balancers, web servers and databases
// on their servers, containers, jobs and attachments. `drover graph
// -type=topology | dot -Tsvg > topology.svg` renders it.
func writeTopology(w io.Writer, c *lang.Cluster) {
	t := &topo{w: w}
	fmt.Fprintln(w, "graph topology {")
	fmt.Fprintln(w, "\tlayout=neato; overlap=false; splines=true;")
	fmt.Fprintln(w, "\tnode [fontname=\"Helvetica\", fontsize=10];")
	for _, s := range c.Servers {
		label := []string{"server " + s.Name, orUnknown(s.Address)}
		if s.LearnAddress {
			label[1] = s.Connect
		}
		if s.Subnet != "" {
			label = append(label, "containers "+s.Subnet+" on "+s.Bridge)
		}
		t.node("server/"+s.Name, "box3d", "lightblue", label...)
	}
	for _, n := range c.Networks {
		t.network(n)
	}
	t.decls(c, modules.Kinds().BlockTypesToDraw()...)
	fmt.Fprintln(w, "}")
}

// topo writes nodes and edges, quoting everything.
type topo struct{ w io.Writer }

// decls draws the declarations of the registered block kinds typs.
func (t *topo) decls(c *lang.Cluster, typs ...string) {
	for _, typ := range typs {
		for _, d := range c.DeclsOfType(typ) {
			if n, ok := d.(interface{ TopologyNode() core.TopoNode }); ok && n.TopologyNode().ID != "" {
				t.draw(n.TopologyNode()) // "" = not drawn
			}
		}
	}
}

// draw writes a registered kind's node with its edges.
func (t *topo) draw(n core.TopoNode) {
	t.node(n.ID, n.Shape, n.Color, n.Label...)
	for _, e := range n.Edges {
		t.edge(n.ID, e.To, e.Label, e.Style)
	}
}

func (t *topo) node(id, shape, color string, label ...string) {
	fmt.Fprintf(t.w, "\t%s [shape=%s, style=filled, fillcolor=%s, label=%s];\n", dotQuote(id), shape, color, dotQuote(strings.Join(label, "\n")))
}

func (t *topo) edge(a, b, label, style string) {
	fmt.Fprintf(t.w, "\t%s -- %s [label=%s, style=%s];\n", dotQuote(a), dotQuote(b), dotQuote(label), style)
}

// topologyShape is a network kind's model that shapes its own node: its
// shape and more lines of its label (declaration kinds draw a whole
// core.TopoNode instead).
type topologyShape interface {
	TopologyShape() (shape string, label []string)
}

// topologyHub is a network kind's model drawn as a star: the edge to its
// hub member (TopologyHub, "" for none) is bold.
type topologyHub interface{ TopologyHub() string }

// network draws one network: a node joined to each member, or, for a
// tunnel, the tunnel between its two ends.
func (t *topo) network(n *lang.Network) {
	id := "network/" + n.Name
	label := []string{n.Kind + " " + n.Name}
	shape := "ellipse"
	if d, ok := n.Spec.(topologyShape); ok {
		s, more := d.TopologyShape()
		shape, label = s, append(label, more...)
	}
	t.node(id, shape, "lightyellow", label...)
	for _, m := range n.Members() {
		style := "solid"
		if h, ok := n.Spec.(topologyHub); ok && h.TopologyHub() == m.Server {
			style = "bold"
		}
		t.edge(id, "server/"+m.Server, m.Address, style)
	}
}

func netNode(name string) string {
	if name == lang.SubnetNetwork || name == lang.AttachSubnet || name == "" {
		return "subnets"
	}
	return "network/" + name
}

func orDHCP(s string) string {
	if s == "" {
		return "DHCP"
	}
	return s
}

// dotQuote writes s as a DOT string: quotes and backslashes escaped,
// newlines as DOT's line breaks.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}

package dag

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// DOT writes the graph in Graphviz DOT. label gives a node's text (nil: its
// id); cluster names the box a node is drawn in, such as its host (nil or ""
// for none). Clusters, nodes and edges appear in insertion order, so the
// output is stable.
func (g *Graph) DOT(w io.Writer, label func(id string) string, cluster func(id string) string) error {
	if label == nil {
		label = func(id string) string { return id }
	}
	if cluster == nil {
		cluster = func(string) string { return "" }
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph drover {")
	fmt.Fprintln(bw, "\trankdir=LR;")
	fmt.Fprintln(bw, "\tnode [shape=box];")
	names, members := g.clusters(cluster)
	for n, name := range names {
		if name == "" {
			continue
		}
		fmt.Fprintf(bw, "\tsubgraph %s {\n", quote(fmt.Sprintf("cluster_%d", n)))
		fmt.Fprintf(bw, "\t\tlabel=%s;\n", quote(name))
		for _, i := range members[n] {
			fmt.Fprintf(bw, "\t\t%s [label=%s];\n", quote(g.nodes[i]), quote(label(g.nodes[i])))
		}
		fmt.Fprintln(bw, "\t}")
	}
	for n, name := range names {
		if name != "" {
			continue
		}
		for _, i := range members[n] {
			fmt.Fprintf(bw, "\t%s [label=%s];\n", quote(g.nodes[i]), quote(label(g.nodes[i])))
		}
	}
	for to := range g.nodes {
		for _, from := range g.deps[to] {
			fmt.Fprintf(bw, "\t%s -> %s;\n", quote(g.nodes[from]), quote(g.nodes[to]))
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// clusters groups node indexes by cluster name, in order of first use.
func (g *Graph) clusters(cluster func(string) string) ([]string, [][]int) {
	var names []string
	var members [][]int
	pos := map[string]int{}
	for i, id := range g.nodes {
		c := cluster(id)
		n, ok := pos[c]
		if !ok {
			n = len(names)
			pos[c] = n
			names = append(names, c)
			members = append(members, nil)
		}
		members[n] = append(members[n], i)
	}
	return names, members
}

// quote makes s a DOT double-quoted string.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// Package dag is a small dependency graph of string-named nodes, such as
// the (host, resource) pairs of a drover run ("s1:link/vx0"). It sorts them
// topologically in a stable order, names dependency cycles, walks them in
// parallel with failure isolation and draws them in Graphviz DOT.
//
// An edge from A to B means B depends on A: A runs first. A Graph is not safe
// for concurrent mutation; Sort, Walk and DOT only read it.
package dag

import (
	"fmt"
	"slices"
	"strings"
)

// Graph is a directed graph whose nodes are kept in insertion order.
type Graph struct {
	index map[string]int // node -> insertion index
	nodes []string
	deps  [][]int // deps[i]: nodes i depends on, in insertion order of the edges
	users [][]int // users[i]: nodes that depend on i
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{index: map[string]int{}}
}

// AddNode adds id if it is not there yet. Adding a node twice is harmless.
func (g *Graph) AddNode(id string) {
	g.add(id)
}

func (g *Graph) add(id string) int {
	if g.index == nil {
		g.index = map[string]int{}
	}
	if i, ok := g.index[id]; ok {
		return i
	}
	i := len(g.nodes)
	g.index[id] = i
	g.nodes = append(g.nodes, id)
	g.deps = append(g.deps, nil)
	g.users = append(g.users, nil)
	return i
}

// AddEdge records that to depends on from: from must come first. Missing
// nodes are added (from before to); a repeated edge is recorded once.
func (g *Graph) AddEdge(from, to string) {
	f, t := g.add(from), g.add(to)
	if slices.Contains(g.deps[t], f) {
		return
	}
	g.deps[t] = append(g.deps[t], f)
	g.users[f] = append(g.users[f], t)
}

// Has reports whether id is a node of the graph.
func (g *Graph) Has(id string) bool {
	_, ok := g.index[id]
	return ok
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.nodes) }

// Nodes returns all nodes in insertion order.
func (g *Graph) Nodes() []string { return slices.Clone(g.nodes) }

// Dependencies returns the nodes id directly depends on, in the order the
// edges were added, or nil for an unknown node.
func (g *Graph) Dependencies(id string) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	return g.names(g.deps[i])
}

// Dependents returns the nodes that directly depend on id.
func (g *Graph) Dependents(id string) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	return g.names(g.users[i])
}

func (g *Graph) names(idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = g.nodes[i]
	}
	return out
}

// CycleError reports the dependency cycles of a graph, one per group of
// nodes that depend on each other, each written from its earliest-added node
// back to itself: ["a", "b", "a"].
type CycleError struct {
	Cycles [][]string
}

func (e *CycleError) Error() string {
	parts := make([]string, len(e.Cycles))
	for i, c := range e.Cycles {
		parts[i] = strings.Join(c, " -> ")
	}
	if len(parts) == 1 {
		return "dependency cycle: " + parts[0]
	}
	return fmt.Sprintf("%d dependency cycles: %s", len(parts), strings.Join(parts, "; "))
}

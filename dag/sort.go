package dag

import (
	"container/heap"
	"slices"
)

// Sort returns the nodes in dependency order. Among nodes whose dependencies
// are all placed, the one added first comes first, so the order is stable.
// When the graph has cycles it returns a *CycleError naming each of them.
func (g *Graph) Sort() ([]string, error) {
	order, _ := g.order()
	if len(order) == len(g.nodes) {
		return g.names(order), nil
	}
	return nil, g.cycles(order)
}

// order is Kahn's algorithm with a min-heap of insertion indexes. It returns
// the sortable prefix and the remaining in-degrees (non-zero on cycles and
// on nodes that depend on them).
func (g *Graph) order() ([]int, []int) {
	pending := make([]int, len(g.nodes))
	ready := &indexHeap{}
	for i := range g.nodes {
		pending[i] = len(g.deps[i])
		if pending[i] == 0 {
			*ready = append(*ready, i)
		}
	}
	heap.Init(ready)
	order := make([]int, 0, len(g.nodes))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, i)
		for _, u := range g.users[i] {
			pending[u]--
			if pending[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	return order, pending
}

// cycles finds the strongly connected components among the nodes that could
// not be sorted and returns one cycle through each.
func (g *Graph) cycles(sorted []int) *CycleError {
	done := make([]bool, len(g.nodes))
	for _, i := range sorted {
		done[i] = true
	}
	var cycles [][]string
	for _, comp := range g.components(done) {
		if c := g.cycleIn(comp); c != nil {
			cycles = append(cycles, c)
		}
	}
	slices.SortFunc(cycles, func(a, b []string) int { return g.index[a[0]] - g.index[b[0]] })
	return &CycleError{Cycles: cycles}
}

// Components returns the strongly connected components of the graph,
// every component after the components it depends on, each one's nodes in
// insertion order. A component of several nodes, or of one node that
// depends on itself, is a cycle (see Loop); evaluating components in this
// order evaluates every value after what it refers to.
func (g *Graph) Components() [][]string {
	comps := g.tarjan(g.deps, make([]bool, len(g.nodes)))
	out := make([][]string, len(comps))
	for i, c := range comps {
		slices.Sort(c)
		out[i] = g.names(c)
	}
	return out
}

// Loop returns a shortest loop of dependencies from start back to itself,
// [start, a node start depends on, ..., start], or nil when start is on no
// cycle.
func (g *Graph) Loop(start string) []string {
	i, ok := g.index[start]
	if !ok {
		return nil
	}
	return g.shortestLoop(g.deps, i, nil)
}

// components is Tarjan's algorithm along dependent edges over the nodes not
// marked skip.
func (g *Graph) components(skip []bool) [][]int {
	return g.tarjan(g.users, skip)
}

// tarjan runs Tarjan's algorithm along the edges adj (Strong), from the
// nodes in insertion order; components come out after those they reach.
func (g *Graph) tarjan(adj [][]int, skip []bool) [][]int {
	order, ends := Strong(adj, skip)
	out := make([][]int, len(ends))
	start := 0
	for i, end := range ends {
		out[i] = order[start:end:end]
		start = end
	}
	return out
}

// cycleIn returns the shortest cycle through the earliest-added node of a
// strongly connected component, or nil when the component is a single node
// without a self-edge.
func (g *Graph) cycleIn(comp []int) []string {
	start := slices.Min(comp)
	if len(comp) == 1 && !slices.Contains(g.users[start], start) {
		return nil
	}
	in := make(map[int]bool, len(comp))
	for _, i := range comp {
		in[i] = true
	}
	return g.shortestLoop(g.users, start, in)
}

// shortestLoop is a breadth-first search along adj from start back to
// start, through the nodes in `in` (all nodes when in is nil).
func (g *Graph) shortestLoop(adj [][]int, start int, in map[int]bool) []string {
	prev := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range adj[v] {
			if w == start {
				return g.pathBack(prev, start, v)
			}
			if _, seen := prev[w]; !seen && (in == nil || in[w]) {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	return nil
}

func (g *Graph) pathBack(prev map[int]int, start, last int) []string {
	var back []string // last, its predecessor, ..., the node after start
	for v := last; v != start; v = prev[v] {
		back = append(back, g.nodes[v])
	}
	slices.Reverse(back)
	path := append([]string{g.nodes[start]}, back...)
	return append(path, g.nodes[start])
}

// indexHeap is a min-heap of insertion indexes.
type indexHeap []int

func (h indexHeap) Len() int           { return len(h) }
func (h indexHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h indexHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *indexHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *indexHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

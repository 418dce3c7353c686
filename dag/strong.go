package dag

// Strong runs Tarjan's algorithm on the graph of len(adj) nodes whose
// edges are adj (node → the nodes it points to, in order), from the
// nodes in index order, skipping the nodes marked in skip (nil: none).
// It returns the strongly connected components one after the other in
// order, each ending before its entry of ends; a component comes after
// every component it reaches. Graph.Components is Strong along each
// node's dependencies; lang evaluates its nodes in this order without
// naming each one.
func Strong[I ~int | ~int32](adj [][]I, skip []bool) (order []I, ends []int) {
	n := len(adj)
	t := strongState[I]{adj: adj, skip: skip, num: make([]I, n), low: make([]I, n), on: make([]bool, n), out: make([]I, 0, n)}
	for i := range n {
		if !t.skipped(I(i)) && t.num[i] == 0 {
			t.visit(I(i))
		}
	}
	return t.out, t.ends
}

// strongState is Strong's state.
type strongState[I ~int | ~int32] struct {
	adj      [][]I
	skip     []bool
	num, low []I // 1-based discovery numbers; 0 = unvisited
	on       []bool
	stack    []I
	next     I
	out      []I
	ends     []int
}

func (t *strongState[I]) skipped(v I) bool { return t.skip != nil && t.skip[v] }

func (t *strongState[I]) visit(v I) {
	t.next++
	t.num[v], t.low[v] = t.next, t.next
	t.stack = append(t.stack, v)
	t.on[v] = true
	for _, w := range t.adj[v] {
		switch {
		case t.skipped(w):
		case t.num[w] == 0:
			t.visit(w)
			t.low[v] = min(t.low[v], t.low[w])
		case t.on[w]:
			t.low[v] = min(t.low[v], t.num[w])
		}
	}
	if t.low[v] != t.num[v] {
		return
	}
	for {
		w := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.on[w] = false
		t.out = append(t.out, w)
		if w == v {
			break
		}
	}
	t.ends = append(t.ends, len(t.out))
}

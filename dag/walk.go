package dag

import (
	"container/heap"
	"context"
	"fmt"
)

// SkippedError is the result of a node that did not run because one of its
// dependencies, directly or further up, failed.
type SkippedError struct {
	// Dependency is the node whose failure caused the skip (the one that
	// failed, not an intermediate node that was itself skipped).
	Dependency string
}

func (e *SkippedError) Error() string {
	return "skipped: dependency " + e.Dependency + " failed"
}

// Walk calls fn for every node once all its dependencies succeeded, running
// at most parallel calls at once (parallel < 1 means one at a time). Ready
// nodes start in insertion order. A node whose dependency failed is not run
// and gets a *SkippedError; nodes that do not depend on the failure keep
// going. Once ctx is done no new node starts; those get an error wrapping
// ctx.Err(). A graph with a cycle runs nothing: every node gets the
// *CycleError.
//
// The result holds an entry for every node: nil for success.
func (g *Graph) Walk(ctx context.Context, parallel int, fn func(ctx context.Context, id string) error) map[string]error {
	results := make(map[string]error, len(g.nodes))
	if _, err := g.Sort(); err != nil {
		for _, id := range g.nodes {
			results[id] = err
		}
		return results
	}
	w := newWalker(g)
	w.run(ctx, max(parallel, 1), fn)
	for i, id := range g.nodes {
		switch {
		case w.resolved[i]:
		case w.blame[i] >= 0:
			w.results[i] = &SkippedError{Dependency: g.nodes[w.blame[i]]}
		default:
			w.results[i] = fmt.Errorf("not started: %w", context.Cause(ctx))
		}
		results[id] = w.results[i]
	}
	return results
}

type walker struct {
	g        *Graph
	pending  []int // unfinished dependencies per node
	blame    []int // failed dependency that dooms the node, -1 for none
	resolved []bool
	results  []error
	ready    indexHeap
}

type outcome struct {
	node int
	err  error
}

func newWalker(g *Graph) *walker {
	n := len(g.nodes)
	w := &walker{g: g, pending: make([]int, n), blame: make([]int, n), resolved: make([]bool, n), results: make([]error, n)}
	for i := range g.nodes {
		w.blame[i] = -1
		w.pending[i] = len(g.deps[i])
		if w.pending[i] == 0 {
			w.ready = append(w.ready, i)
		}
	}
	heap.Init(&w.ready)
	return w
}

// run starts ready nodes while there is room and ctx is live, and settles
// each outcome as it arrives.
func (w *walker) run(ctx context.Context, parallel int, fn func(context.Context, string) error) {
	outcomes := make(chan outcome, len(w.g.nodes))
	running := 0
	for {
		for running < parallel && w.ready.Len() > 0 && ctx.Err() == nil {
			i := heap.Pop(&w.ready).(int)
			running++
			go func() { outcomes <- outcome{i, fn(ctx, w.g.nodes[i])} }()
		}
		if running == 0 {
			return
		}
		o := <-outcomes
		running--
		w.finish(o.node, o.err)
	}
}

// finish records a node's result and releases or skips its dependents.
func (w *walker) finish(i int, err error) {
	w.resolved[i] = true
	w.results[i] = err
	root := -1
	if err != nil {
		root = i
		if w.blame[i] >= 0 {
			root = w.blame[i]
		}
	}
	for _, u := range w.g.users[i] {
		if root >= 0 && w.blame[u] < 0 {
			w.blame[u] = root
		}
		w.pending[u]--
		if w.pending[u] > 0 {
			continue
		}
		if w.blame[u] >= 0 {
			w.finish(u, &SkippedError{Dependency: w.g.nodes[w.blame[u]]})
		} else {
			heap.Push(&w.ready, u)
		}
	}
}

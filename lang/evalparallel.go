package lang

import (
	"runtime"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// A large configuration is evaluated on every core. A node's level is one
// more than the highest of its dependencies' levels, so the nodes of one
// level depend only on nodes of lower levels, whose values are final: they
// can be evaluated at the same time (10,000 servers' subnets and labels).
// Each worker evaluates with a copy of the loader whose diagnostics,
// secrets and cached contexts are its own; the rest of the loader is only
// read while nodes are evaluated (a node's derive function returns its
// diagnostics and must not write to the loader it was made by). What the
// workers reported is put back in the order the serial evaluation reports
// it, so that both give the same result, diagnostic for diagnostic
// (TestParallelEvaluationIsSerial).

// parallelEvalNodes is the fewest nodes evaluated on more than one core:
// a few hundred servers.
const parallelEvalNodes = 4096

// evalChunk is how many nodes of a level a worker takes at a time.
const evalChunk = 32

// evalWorkers is how many goroutines evaluate the nodes.
func (l *loader) evalWorkers() int {
	switch {
	case l.opts.evalWorkers != 0:
		return l.opts.evalWorkers
	case len(l.nodes) < parallelEvalNodes:
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// evalStep is one component of the evaluation graph: a node, or the nodes
// of a reference cycle.
type evalStep struct {
	node  *node
	cycle []*node
}

// evalOut is what evaluating the step numbered step reported.
type evalOut struct {
	step           int
	diags, grammar hcl.Diagnostics
}

// evalWorker evaluates steps with a loader of its own for what evaluation
// writes, and keeps what each step reported.
type evalWorker struct {
	l    loader
	outs []evalOut
}

func (l *loader) newEvalWorker() *evalWorker {
	w := &evalWorker{l: *l}
	w.l.diags, w.l.grammarDiags, w.l.secrets, w.l.contexts, w.l.ctxKey = nil, nil, nil, nil, nil
	return w
}

func (w *evalWorker) run(i int, st evalStep, eg **evalGraph) {
	if st.cycle != nil {
		w.l.evalCycle(st.cycle, eg)
	} else {
		w.l.evalNode(st.node)
	}
	if len(w.l.diags) > 0 || len(w.l.grammarDiags) > 0 {
		w.outs = append(w.outs, evalOut{step: i, diags: w.l.diags, grammar: w.l.grammarDiags})
		w.l.diags, w.l.grammarDiags = nil, nil
	}
}

// evaluateParallel is evaluate on workers goroutines, level by level.
func (l *loader) evaluateParallel(workers int) {
	l.functions() // built once, then only read
	steps, levels := l.evalLevels()
	ws := make([]*evalWorker, workers)
	for i := range ws {
		ws[i] = l.newEvalWorker()
	}
	var eg *evalGraph
	for _, level := range levels {
		nodes := level[:0:0]
		for _, i := range level {
			if steps[i].cycle != nil { // rare: reported by one worker
				ws[0].run(i, steps[i], &eg)
			} else {
				nodes = append(nodes, i)
			}
		}
		evalLevel(ws, steps, nodes)
	}
	l.gather(ws)
}

// evalLevels returns the components in dependency order and, level by
// level, the numbers of their steps, each level in that order.
func (l *loader) evalLevels() ([]evalStep, [][]int) {
	level := make([]int32, len(l.nodes))
	steps := make([]evalStep, 0, len(l.nodes))
	var levels [][]int
	for comp := range l.components() {
		top := int32(0)
		for _, n := range comp {
			for _, d := range n.deps {
				top = max(top, level[d.index]+1) // a dependency in the cycle counts as level 0
			}
		}
		for _, n := range comp {
			level[n.index] = top
		}
		st := evalStep{node: comp[0]}
		if isCycle(comp) {
			st = evalStep{cycle: slices.Clone(comp)}
		}
		for int(top) >= len(levels) {
			levels = append(levels, nil)
		}
		levels[top] = append(levels[top], len(steps))
		steps = append(steps, st)
	}
	return steps, levels
}

// evalLevel evaluates the steps numbered nodes, which do not depend on
// one another, on every worker (inParallel, parse.go).
func evalLevel(ws []*evalWorker, steps []evalStep, nodes []int) {
	inParallel(len(ws), len(nodes), evalChunk, func(w, j int) {
		ws[w].run(nodes[j], steps[nodes[j]], nil)
	})
}

// gather adds what the workers reported, in the order of the steps, and
// the secrets they found.
func (l *loader) gather(ws []*evalWorker) {
	var outs []evalOut
	for _, w := range ws {
		outs = append(outs, w.outs...)
		for s := range w.l.secrets {
			if l.secrets == nil {
				l.secrets = map[string]bool{}
			}
			l.secrets[s] = true
		}
	}
	slices.SortFunc(outs, func(a, b evalOut) int { return a.step - b.step })
	for _, o := range outs {
		l.diags = append(l.diags, o.diags...)
		l.grammarDiags = append(l.grammarDiags, o.grammar...)
	}
}

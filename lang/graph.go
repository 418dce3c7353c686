package lang

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// node is one value to evaluate: a variable, a local, or one attribute of
// a declaration. Nodes are evaluated in dependency order.
type node struct {
	// path names the node: {"server", "s1", "address"}; for referenceable
	// nodes it is the reference itself.
	path []string
	expr hcl.Expression // nil when the attribute is not set
	rng  hcl.Range      // the expression's range, else the declaring block's
	// ctxRange is the whole attribute (for diagnostic context), if set.
	ctxRange *hcl.Range
	want     cty.Type  // expr's value is converted to it; DynamicPseudoType keeps it
	deflt    cty.Value // value when expr is nil or null
	example  string    // a valid value, for "write this instead" details
	required bool      // null is an error
	// derive computes the value instead of deflt (variables, dhcp_host).
	derive func() (cty.Value, hcl.Diagnostics)
	deps   []*node // nodes referenced by expr, plus derive's inputs
	value  cty.Value
	// failed nodes (bad references, cycles) are not evaluated: their value
	// is unknown, which silences errors downstream.
	failed bool
	// evaluated is set once value holds the final value.
	evaluated bool
	// grammar is what a string value must match (attrgrammar.go); nil for
	// variables, locals and attributes that are not strings.
	grammar *grammar
	// sensitive is set when the value comes from a sensitive variable:
	// it is marked in the expressions that use it, and what it reaches is
	// printed as (sensitive).
	sensitive bool
	// markPaths are where the sensitive parts of an unconverted value are
	// (a declaration's object of settings), so that a reference to one of
	// its other settings is not sensitive.
	markPaths []cty.PathValueMarks
}

func (n *node) id() string { return strings.Join(n.path, ".") }

// attrName is the attribute the node stands for ("address").
func (n *node) attrName() string { return n.path[len(n.path)-1] }

// entity is a referenceable declaration with attributes: a server or a
// network.
type entity struct {
	attrs map[string]*node
	order []string // attribute names, for suggestions and whole-object refs
}

func newEntity() *entity { return &entity{attrs: map[string]*node{}} }

func (e *entity) add(n *node) {
	name := n.attrName()
	e.attrs[name] = n
	e.order = append(e.order, name)
}

func (e *entity) all() []*node {
	nodes := make([]*node, 0, len(e.order))
	for _, name := range e.order {
		nodes = append(nodes, e.attrs[name])
	}
	return nodes
}

// symbols are the names references can use, each kind in declaration
// order.
type symbols struct {
	vars, locals       map[string]*node
	varOrder, locOrder []string
	servers, networks  map[string]*entity
	srvOrder, netOrder []string
}

func newSymbols() *symbols {
	return &symbols{
		vars: map[string]*node{}, locals: map[string]*node{},
		servers: map[string]*entity{}, networks: map[string]*entity{},
	}
}

// reference roots
const (
	rootVar     = "var"
	rootLocal   = "local"
	rootServer  = "server"
	rootNetwork = "network"
)

var referenceRoots = []string{rootVar, rootLocal, rootServer, rootNetwork}

// register adds a node to the evaluation graph.
func (l *loader) register(n *node) *node {
	if n.deflt == cty.NilVal {
		n.deflt = cty.NullVal(n.want)
	}
	l.nodes = append(l.nodes, n)
	return n
}

// resolveAll finds the dependencies of every node with an expression.
func (l *loader) resolveAll() {
	for _, n := range l.nodes {
		if n.expr == nil {
			continue
		}
		for _, t := range n.expr.Variables() {
			deps, diag := l.resolve(t)
			if diag != nil {
				l.diags = append(l.diags, diag)
				n.failed = true
				continue
			}
			n.deps = append(n.deps, deps...)
		}
	}
}

// evaluate evaluates every node in dependency order, reporting each
// reference cycle once.
func (l *loader) evaluate() {
	for _, scc := range stronglyConnected(l.nodes) {
		if isCycle(scc) {
			l.diags = append(l.diags, cycleDiagnostic(scc))
			for _, n := range scc {
				n.value, n.evaluated = cty.DynamicVal, true
			}
			continue
		}
		l.evalNode(scc[0])
	}
}

// stronglyConnected returns the strongly connected components of the
// graph (Tarjan), dependencies before their dependents, each component's
// nodes in registration order.
func stronglyConnected(nodes []*node) [][]*node {
	t := &tarjan{index: map[*node]int{}, low: map[*node]int{}, onStack: map[*node]bool{}}
	order := map[*node]int{}
	for i, n := range nodes {
		order[n] = i
	}
	for _, n := range nodes {
		if _, seen := t.index[n]; !seen {
			t.visit(n)
		}
	}
	for _, scc := range t.out {
		sortByOrder(scc, order)
	}
	return t.out
}

type tarjan struct {
	next    int
	index   map[*node]int
	low     map[*node]int
	onStack map[*node]bool
	stack   []*node
	out     [][]*node
}

func (t *tarjan) visit(n *node) {
	t.index[n], t.low[n] = t.next, t.next
	t.next++
	t.stack = append(t.stack, n)
	t.onStack[n] = true
	for _, d := range n.deps {
		if _, seen := t.index[d]; !seen {
			t.visit(d)
			t.low[n] = min(t.low[n], t.low[d])
		} else if t.onStack[d] {
			t.low[n] = min(t.low[n], t.index[d])
		}
	}
	if t.low[n] != t.index[n] {
		return
	}
	var scc []*node
	for {
		top := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.onStack[top] = false
		scc = append(scc, top)
		if top == n {
			break
		}
	}
	t.out = append(t.out, scc)
}

func sortByOrder(nodes []*node, order map[*node]int) {
	for i := 1; i < len(nodes); i++ {
		for j := i; j > 0 && order[nodes[j]] < order[nodes[j-1]]; j-- {
			nodes[j], nodes[j-1] = nodes[j-1], nodes[j]
		}
	}
}

// isCycle tells whether a component is a cycle: several nodes, or one
// node referring to itself.
func isCycle(scc []*node) bool {
	if len(scc) > 1 {
		return true
	}
	for _, d := range scc[0].deps {
		if d == scc[0] {
			return true
		}
	}
	return false
}

// cycleDiagnostic names one loop through the component's first node with
// an expression: "local.a -> server.s1.address -> local.a".
func cycleDiagnostic(scc []*node) *hcl.Diagnostic {
	start := scc[0]
	for _, n := range scc {
		if n.expr != nil {
			start = n
			break
		}
	}
	path := shortestLoop(start, scc)
	ids := make([]string, len(path))
	for i, n := range path {
		ids[i] = n.id()
	}
	rng := start.rng
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference cycle",
		Detail: "These values refer to each other in a loop: " + strings.Join(ids, " -> ") +
			". Break the loop by writing a literal value in one of them.",
		Subject: &rng,
		Context: start.ctxRange,
	}
}

// shortestLoop returns start, the nodes of a shortest path back to start
// within the component, and start again.
func shortestLoop(start *node, scc []*node) []*node {
	inSCC := map[*node]bool{}
	for _, n := range scc {
		inSCC[n] = true
	}
	prev := map[*node]*node{}
	queue := []*node{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, d := range n.deps {
			if d == start {
				return loopPath(start, n, prev)
			}
			if _, seen := prev[d]; seen || !inSCC[d] {
				continue
			}
			prev[d] = n
			queue = append(queue, d)
		}
	}
	return []*node{start, start}
}

func loopPath(start, last *node, prev map[*node]*node) []*node {
	rev := []*node{start}
	for n := last; n != start; n = prev[n] {
		rev = append(rev, n)
	}
	path := []*node{start}
	for i := len(rev) - 1; i >= 0; i-- {
		path = append(path, rev[i])
	}
	return path
}

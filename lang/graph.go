package lang

import (
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/drover/drover/dag"
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
	// roots are the root names expr refers to (var, server, ...), each
	// once (resolveAll).
	roots []string
	// index is the node's position in loader.nodes (register).
	index int
	value cty.Value
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
	n.index = len(l.nodes)
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
			if root := t.RootName(); !slices.Contains(n.roots, root) {
				n.roots = append(n.roots, root)
			}
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
// reference cycle once. A large configuration is evaluated on every core
// (evalparallel.go), with the same result.
func (l *loader) evaluate() {
	if workers := l.evalWorkers(); workers > 1 {
		l.evaluateParallel(workers)
		return
	}
	var eg *evalGraph // built for the first cycle's diagnostic
	for comp := range l.components() {
		if isCycle(comp) {
			l.evalCycle(comp, &eg)
			continue
		}
		l.evalNode(comp[0])
	}
}

// isCycle tells whether a component is a reference cycle: more than one
// node, or one that refers to itself.
func isCycle(comp []*node) bool {
	return len(comp) > 1 || slices.Contains(comp[0].deps, comp[0])
}

// evalCycle reports a reference cycle and leaves its nodes unknown; eg is
// built for the first cycle's diagnostic.
func (l *loader) evalCycle(comp []*node, eg **evalGraph) {
	if *eg == nil {
		*eg = l.evalGraph()
	}
	l.diags = append(l.diags, (*eg).cycleDiagnostic(comp))
	for _, n := range comp {
		n.value, n.evaluated = cty.DynamicVal, true
	}
}

// components yields the strongly connected components of the evaluation
// graph (an edge from each node to each of its deps), dependencies first:
// exactly dag.Graph.Components of evalGraph, without naming every node.
// Tarjan's algorithm runs from the nodes in registration order, along
// each node's distinct deps in their order; each component is sorted by
// registration index. A yielded slice is only valid until the next.
func (l *loader) components() iter.Seq[[]*node] {
	adj := make([][]int32, len(l.nodes))
	seen := make([]int32, len(l.nodes)) // index+1 of the node whose deps listed it last
	for i, n := range l.nodes {
		for _, d := range n.deps {
			if seen[d.index] != int32(i+1) {
				seen[d.index] = int32(i + 1)
				adj[i] = append(adj[i], int32(d.index))
			}
		}
	}
	order, ends := dag.Strong(adj, nil)
	return func(yield func([]*node) bool) {
		var comp []*node
		start := 0
		for _, end := range ends {
			c := order[start:end]
			start = end
			slices.Sort(c)
			comp = comp[:0]
			for _, k := range c {
				comp = append(comp, l.nodes[k])
			}
			if !yield(comp) {
				return
			}
		}
	}
}

// evalGraph is the evaluation graph as a dag.Graph, each node known by its
// registration index.
type evalGraph struct {
	g    *dag.Graph
	byID map[string]*node
	ids  map[*node]string
}

func (l *loader) evalGraph() *evalGraph {
	g := dag.New()
	byID := make(map[string]*node, len(l.nodes))
	ids := make(map[*node]string, len(l.nodes))
	for i, n := range l.nodes {
		id := strconv.Itoa(i)
		byID[id], ids[n] = n, id
		g.AddNode(id)
	}
	for _, n := range l.nodes {
		for _, d := range n.deps {
			g.AddEdge(ids[d], ids[n])
		}
	}
	return &evalGraph{g: g, byID: byID, ids: ids}
}

// cycleDiagnostic names one loop through the component's first node with
// an expression: "local.a -> server.s1.address -> local.a".
func (eg *evalGraph) cycleDiagnostic(scc []*node) *hcl.Diagnostic {
	start := scc[0]
	for _, n := range scc {
		if n.expr != nil {
			start = n
			break
		}
	}
	loop := eg.g.Loop(eg.ids[start])
	if loop == nil {
		loop = []string{eg.ids[start], eg.ids[start]}
	}
	ids := make([]string, len(loop))
	for i, id := range loop {
		ids[i] = eg.byID[id].id()
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

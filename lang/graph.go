package lang

import (
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
	eg := l.evalGraph()
	for _, comp := range eg.g.Components() {
		scc := make([]*node, len(comp))
		for i, id := range comp {
			scc[i] = eg.byID[id]
		}
		if len(comp) > 1 || eg.g.Loop(comp[0]) != nil {
			l.diags = append(l.diags, eg.cycleDiagnostic(scc))
			for _, n := range scc {
				n.value, n.evaluated = cty.DynamicVal, true
			}
			continue
		}
		l.evalNode(scc[0])
	}
}

// evalGraph is the evaluation graph as a dag.Graph, each node known by its
// registration index.
type evalGraph struct {
	g    *dag.Graph
	byID map[string]*node
	ids  map[*node]string
}

func (l *loader) evalGraph() evalGraph {
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
	return evalGraph{g: g, byID: byID, ids: ids}
}

// cycleDiagnostic names one loop through the component's first node with
// an expression: "local.a -> server.s1.address -> local.a".
func (eg evalGraph) cycleDiagnostic(scc []*node) *hcl.Diagnostic {
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

package lang

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// resolve turns one traversal (var.base, server.s1.address, server) into
// the nodes it depends on, or a diagnostic for an unknown name.
func (l *loader) resolve(t hcl.Traversal) ([]*node, *hcl.Diagnostic) {
	steps := staticSteps(t)
	switch t.RootName() {
	case rootVar:
		return resolveNamed(t, steps, rootVar, "variable", l.syms.vars, l.syms.varOrder)
	case rootLocal:
		return resolveNamed(t, steps, rootLocal, "local value", l.syms.locals, l.syms.locOrder)
	case rootServer:
		return resolveEntity(t, steps, rootServer, l.syms.servers, l.syms.srvOrder)
	case rootNetwork:
		return resolveEntity(t, steps, rootNetwork, l.syms.networks, l.syms.netOrder)
	case rootSelf:
		return nil, l.selfOutside(t) // host declarations bind it (generic_self.go)
	}
	if nodes, diag, ok := l.resolveSymbols(t, steps); ok {
		return nodes, diag // job.web.backends (blocksymbols.go)
	}
	if nodes, diag, ok := l.resolveGeneric(t, steps); ok {
		return nodes, diag // file.motd, service.nginx, ... (generic.go)
	}
	detail := fmt.Sprintf("There is nothing named %q. References start with var., local., server. or network.", t.RootName())
	if s := suggest(t.RootName(), append(slices.Clone(referenceRoots), rootSelf)); s != "" {
		detail += fmt.Sprintf(" Did you mean %s?", s)
	}
	return nil, refDiagnostic(t, "Unknown reference", detail)
}

// staticSteps returns the names after the root that are known without
// evaluation: attribute steps and constant string indexes.
func staticSteps(t hcl.Traversal) []string {
	var names []string
	for _, step := range t[1:] {
		switch s := step.(type) {
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		case hcl.TraverseIndex:
			if !s.Key.IsKnown() || s.Key.IsNull() || s.Key.Type() != cty.String {
				return names
			}
			names = append(names, s.Key.AsString())
		default:
			return names
		}
	}
	return names
}

func resolveNamed(t hcl.Traversal, steps []string, root, what string, table map[string]*node, order []string) ([]*node, *hcl.Diagnostic) {
	if len(steps) == 0 {
		nodes := make([]*node, 0, len(order))
		for _, name := range order {
			nodes = append(nodes, table[name])
		}
		return nodes, nil
	}
	if n := table[steps[0]]; n != nil {
		return []*node{n}, nil
	}
	detail := fmt.Sprintf("No %s named %q is declared.", what, steps[0])
	if s := suggest(steps[0], order); s != "" {
		detail += fmt.Sprintf(" Did you mean %s.%s?", root, s)
	} else if root == rootVar {
		detail += fmt.Sprintf(" Declare it with variable %q {}.", steps[0])
	} else {
		detail += fmt.Sprintf(" Declare it in a locals block: locals { %s = ... }.", steps[0])
	}
	return nil, refDiagnostic(t, "Reference to undeclared "+what, detail)
}

func resolveEntity(t hcl.Traversal, steps []string, root string, table map[string]*entity, order []string) ([]*node, *hcl.Diagnostic) {
	if len(steps) == 0 {
		var nodes []*node
		for _, name := range order {
			nodes = append(nodes, table[name].all()...)
		}
		return nodes, nil
	}
	e := table[steps[0]]
	if e == nil {
		return nil, undeclaredEntity(t, root, steps[0], order)
	}
	if len(steps) == 1 {
		return e.all(), nil
	}
	if n := e.attrs[steps[1]]; n != nil {
		return []*node{n}, nil
	}
	detail := fmt.Sprintf("%s %q has no attribute %q.", root, steps[0], steps[1])
	if s := suggest(steps[1], e.order); s != "" {
		detail += fmt.Sprintf(" Did you mean %s.%s.%s?", root, steps[0], s)
	}
	detail += " Its attributes are " + strings.Join(e.order, ", ") + "."
	return nil, refDiagnostic(t, "Unsupported attribute", detail)
}

func undeclaredEntity(t hcl.Traversal, root, name string, order []string) *hcl.Diagnostic {
	detail := fmt.Sprintf("No %s named %q is declared.", root, name)
	switch s := suggest(name, order); {
	case root == rootServer && name == LocalServer:
		detail = `The reserved server "local" (the machine drover runs on) has no attributes to refer to; write "local" in a network's servers list instead.`
	case s != "":
		detail += fmt.Sprintf(" Did you mean %s.%s?", root, s)
	case len(order) > 0:
		detail += fmt.Sprintf(" Declared: %s.", strings.Join(order, ", "))
	}
	return refDiagnostic(t, "Reference to undeclared "+root, detail)
}

func refDiagnostic(t hcl.Traversal, summary, detail string) *hcl.Diagnostic {
	rng := t.SourceRange()
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &rng}
}

// functions returns the function table, built once per load.
func (l *loader) functions() map[string]function.Function {
	if l.funcs == nil {
		l.funcs = Functions()
	}
	return l.funcs
}

// evalNode computes one node's value from its expression (or default),
// converted to the node's type. Any failure leaves the value unknown.
func (l *loader) evalNode(n *node) {
	n.evaluated = true
	defer l.checkNodeGrammar(n)
	if n.failed {
		n.value = cty.DynamicVal
		return
	}
	v := cty.NullVal(cty.DynamicPseudoType)
	if n.expr != nil {
		val, diags := n.expr.Value(l.evalContext(n))
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			n.value = cty.DynamicVal
			return
		}
		var paths []cty.PathValueMarks
		v, paths = val.UnmarkDeepWithPaths()
		l.addPathSecrets(v, paths)
		for _, pm := range paths {
			n.sensitive = n.sensitive || hasSensitive(pm.Marks)
		}
		if n.want == cty.DynamicPseudoType && n.derive == nil {
			n.markPaths = paths
		}
	}
	defer func() {
		if n.sensitive && n.expr == nil {
			l.addSecrets(n.value) // a sensitive variable
		}
	}()
	if v.IsNull() {
		if n.required && n.expr != nil {
			l.errorf(n.rng, n.ctxRange, "Required argument is null",
				"%q is required and cannot be null. Write for example %s = %s.", n.attrName(), n.attrName(), n.example)
		}
		n.value = l.defaultValue(n)
		return
	}
	n.value = l.convert(n, v)
}

func (l *loader) defaultValue(n *node) cty.Value {
	if n.derive == nil {
		return n.deflt
	}
	v, diags := n.derive()
	l.diags = append(l.diags, diags...)
	return v
}

// convert converts an evaluated value to the node's type, reporting a
// mismatch with an example of what to write.
func (l *loader) convert(n *node, v cty.Value) cty.Value {
	if n.want == cty.DynamicPseudoType {
		return v
	}
	out, err := convert.Convert(v, n.want)
	if err == nil && n.want == cty.Number {
		return l.checkWhole(n, out)
	}
	if err == nil {
		return out
	}
	detail := fmt.Sprintf("Inappropriate value for %q: %s.", n.attrName(), err)
	if n.example != "" {
		detail += fmt.Sprintf(" Write for example %s = %s.", n.attrName(), n.example)
	}
	rng := n.rng
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: "Incorrect attribute value type", Detail: detail,
		Subject: &rng, Context: n.ctxRange,
	})
	return cty.UnknownVal(n.want)
}

// maxWhole bounds the numbers drover settings take (ports, VNIs, MTUs).
const maxWhole = 1<<31 - 1

// checkWhole reports a number setting that is not a whole number of a
// sensible size, leaving it unknown.
func (l *loader) checkWhole(n *node, v cty.Value) cty.Value {
	if !v.IsKnown() || v.IsNull() {
		return v
	}
	f := v.AsBigFloat()
	problem := ""
	switch {
	case !f.IsInt():
		problem = "must be a whole number"
	case f.Cmp(big.NewFloat(maxWhole)) > 0 || f.Cmp(big.NewFloat(-maxWhole)) < 0:
		problem = "is far out of range"
	default:
		return v
	}
	rng := n.rng
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: "Invalid number",
		Detail: fmt.Sprintf("%s = %s %s. Write for example %s = %s.",
			n.attrName(), f.Text('g', 10), problem, n.attrName(), n.example),
		Subject: &rng, Context: n.ctxRange,
	})
	return cty.UnknownVal(n.want)
}

// evalContext returns the context n's expression is evaluated in. Nodes
// that depend on the same nodes and roots share one (10,000 servers'
// subnets that read var.containers): every dependency is evaluated before
// its dependents, and neither a context nor its variables are modified
// afterwards (hcl makes child contexts for its own variables).
func (l *loader) evalContext(n *node) *hcl.EvalContext {
	key := l.ctxKey[:0]
	for _, d := range n.deps {
		key = strconv.AppendInt(key, int64(d.index), 36)
		key = append(key, ',')
	}
	for _, root := range n.roots {
		key = append(key, ';')
		key = append(key, root...)
	}
	l.ctxKey = key
	if ctx, ok := l.contexts[string(key)]; ok {
		return ctx
	}
	ctx := &hcl.EvalContext{Variables: contextVariables(n.roots, n.deps), Functions: l.functions()}
	if l.contexts == nil {
		l.contexts = map[string]*hcl.EvalContext{}
	}
	l.contexts[string(key)] = ctx
	return ctx
}

// contextVariables builds the variables an expression sees: exactly the
// values of the nodes it depends on, nested by their paths, and an empty
// object for a referenced root (of roots) with nothing declared under it.
func contextVariables(roots []string, deps []*node) map[string]cty.Value {
	root := tree{}
	for _, d := range deps {
		v := d.value
		if !d.evaluated {
			v = cty.DynamicVal
		}
		switch {
		case d.markPaths != nil:
			v = v.MarkWithPaths(d.markPaths)
		case d.sensitive:
			v = v.Mark(markSensitive)
		}
		root.put(d.path, v)
	}
	vars := make(map[string]cty.Value, len(root))
	for k, sub := range root {
		vars[k] = sub.toValue()
	}
	for _, root := range roots {
		if _, ok := vars[root]; !ok {
			vars[root] = cty.EmptyObjectVal
		}
	}
	return vars
}

// tree is a nested object under construction: leaves are cty.Values.
type tree map[string]treeEntry

type treeEntry struct {
	leaf cty.Value
	sub  tree
}

func (t tree) put(path []string, v cty.Value) {
	if len(path) == 1 {
		t[path[0]] = treeEntry{leaf: v}
		return
	}
	e := t[path[0]]
	if e.sub == nil {
		e = treeEntry{sub: tree{}}
		t[path[0]] = e
	}
	e.sub.put(path[1:], v)
}

func (e treeEntry) toValue() cty.Value {
	if e.sub == nil {
		return e.leaf
	}
	attrs := make(map[string]cty.Value, len(e.sub))
	for k, sub := range e.sub {
		attrs[k] = sub.toValue()
	}
	return cty.ObjectVal(attrs)
}

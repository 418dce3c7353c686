package lang

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Symbol is a referenceable value a kind derives from one block's
// settings, next to the settings themselves: a job's instance_addresses
// and backends (`job.web.backends`).
type Symbol struct {
	Name string
	Type cty.Type
	// Inputs are what the value is computed from: a setting of the block
	// ("count"), the setting of every nested block of a type
	// ("service.port"), or an earlier symbol of the kind.
	Inputs []string
	// Derive computes the value of the block named name.
	Derive func(name string, in SymbolInputs) cty.Value
}

// SymbolInputs are the evaluated inputs of a Symbol.
type SymbolInputs struct{ vals map[string][]cty.Value }

// Value is the value of a setting or symbol input.
func (in SymbolInputs) Value(input string) cty.Value {
	if vs := in.vals[input]; len(vs) > 0 {
		return vs[0]
	}
	return cty.DynamicVal
}

// Values are the values of a nested-block input ("service.port"), one
// per nested block in declaration order.
func (in SymbolInputs) Values(input string) []cty.Value { return in.vals[input] }

// refTable holds the referenceable blocks of one reference root ("job"),
// in declaration order.
type refTable struct {
	ents  map[string]*entity
	order []string
}

// refRoot is the table of the reference root root, made on first use.
func (l *loader) refRoot(root string) *refTable {
	if l.refs == nil {
		l.refs = map[string]*refTable{}
	}
	if l.refs[root] == nil {
		l.refs[root] = &refTable{ents: map[string]*entity{}}
	}
	return l.refs[root]
}

// symbolBlock is one referenceable block: its name and where it was
// declared, its settings in order, and its nested blocks' settings by
// type ("service" -> one map per block).
type symbolBlock struct {
	root, name   string
	label, block hcl.Range
	settings     []*node
	nested       map[string][]map[string]*node
}

// registerSymbols makes root.NAME, its name, its settings and the symbols
// derived from them referenceable.
func (l *loader) registerSymbols(b symbolBlock, syms []Symbol) {
	e := newEntity()
	e.add(l.register(&node{path: []string{b.root, b.name, "name"}, rng: b.label, want: cty.String, deflt: str(b.name)}))
	for _, n := range b.settings {
		e.add(n)
	}
	for _, s := range syms {
		e.add(l.registerSymbol(b, s, e))
	}
	t := l.refRoot(b.root)
	t.ents[b.name] = e
	t.order = append(t.order, b.name)
}

// registerSymbol registers one derived value of b; e holds b's settings
// and the symbols registered before.
func (l *loader) registerSymbol(b symbolBlock, s Symbol, e *entity) *node {
	inputs := map[string][]*node{}
	var deps []*node
	for _, in := range s.Inputs {
		if typ, attr, ok := strings.Cut(in, "."); ok {
			for _, attrs := range b.nested[typ] {
				inputs[in] = append(inputs[in], attrs[attr])
			}
		} else if n := e.attrs[in]; n != nil {
			inputs[in] = []*node{n}
		}
		deps = append(deps, inputs[in]...)
	}
	n := l.register(&node{path: []string{b.root, b.name, s.Name}, rng: b.block, want: s.Type, deps: deps})
	n.derive = func() (cty.Value, hcl.Diagnostics) {
		in := SymbolInputs{vals: map[string][]cty.Value{}}
		for name, ns := range inputs {
			for _, d := range ns {
				in.vals[name] = append(in.vals[name], d.value)
			}
		}
		return s.Derive(b.name, in), nil
	}
	return n
}

// resolveSymbols resolves references to a root with referenceable
// blocks (root, root.NAME, root.NAME.ATTR); ok is false for other roots.
func (l *loader) resolveSymbols(t hcl.Traversal, steps []string) ([]*node, *hcl.Diagnostic, bool) {
	root := t.RootName()
	if !l.referenceable(root) {
		return nil, nil, false
	}
	tab := l.refRoot(root)
	nodes, diag := resolveEntity(t, steps, root, tab.ents, tab.order)
	return nodes, diag, true
}

// referenceable tells whether root is the type of a registered kind's
// referenceable blocks.
func (l *loader) referenceable(root string) bool { return l.opts.Kinds.referenceableType(root) }

package lang

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// genericDecl is one host declaration block (`file "motd" { ... }`). Its
// node's expression evaluates every instance at once (instancesExpr), so
// that each.key, each.value and count.index take a value per instance
// while references to it depend on the whole declaration.
type genericDecl struct {
	kind, name string
	ik         ItemKind
	specs      []attrSpec // ik's settings, read once
	block      *hcl.Block
	content    *hcl.BodyContent
	node       *node
	// refs are the static references of depends_on, watch and notify.
	refs map[string][]declRef
	// instances are filled by evaluation.
	instances []*genericInstance
	// selfAttrs are the settings that read self (generic_self.go);
	// selfBad is true when a self reference was invalid.
	selfAttrs map[string]bool
	selfBad   bool
}

// declRef is a reference to another declaration, as written.
type declRef struct {
	kind, name string
	rng        hcl.Range
}

func (r declRef) decl() string { return r.kind + "." + r.name }

// genericDecls are the host declarations of a load, by kind and name.
type genericDecls struct {
	byKind map[string]map[string]*genericDecl
	order  []*genericDecl // declaration order
	// cluster is the model being assembled (for templates' dry runs).
	cluster *Cluster
	// reported dedupes problems shared by a declaration's instances.
	reported map[string]bool
	// srvNames and srvAt are srvNamesOf's server names and their
	// positions (serverNames).
	srvNamesOf *Cluster
	srvNames   []string
	srvAt      map[string]int
}

func (g *genericDecls) lookup(kind, name string) *genericDecl {
	return g.byKind[kind][name]
}

func (g *genericDecls) names(kind string) []string {
	var names []string
	for _, d := range g.order {
		if d.kind == kind {
			names = append(names, d.name)
		}
	}
	return names
}

// collectGeneric registers one host declaration.
func (l *loader) collectGeneric(ik ItemKind, b *hcl.Block) {
	kind, name := b.Type, b.Labels[0]
	if !hclIdentifier(name) {
		l.errorf(b.LabelRanges[0], nil, fmt.Sprintf("Invalid %s name", kind),
			"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-', so that references can name them. Write for example %s %q.",
			name, kind, suggestIdentifier(name))
		return
	}
	if first := l.generic.lookup(kind, name); first != nil {
		l.errorf(b.LabelRanges[0], nil, fmt.Sprintf("Duplicate %s %q", kind, name),
			"A %s named %q was already declared at %s. Rename this one or remove it.", kind, name, shortPos(first.block.DefRange))
		return
	}
	content := l.content(b.Body, genericSchema(ik), fmt.Sprintf("A %s block", kind))
	d := &genericDecl{kind: kind, name: name, ik: ik, specs: ik.specs(), block: b, content: content, refs: map[string][]declRef{}}
	var selfOK bool
	d.selfAttrs, selfOK = l.selfRefs(kind, content)
	d.selfBad = !selfOK
	for _, attr := range []string{metaDependsOn, metaNotify, metaWatch} {
		if a := content.Attributes[attr]; a != nil {
			d.refs[attr] = l.staticRefs(a)
		}
	}
	d.node = l.register(&node{path: []string{kind, name}, expr: &instancesExpr{l: l, d: d}, rng: b.DefRange, want: cty.DynamicPseudoType})
	if l.generic.byKind == nil {
		l.generic.byKind = map[string]map[string]*genericDecl{}
	}
	if l.generic.byKind[kind] == nil {
		l.generic.byKind[kind] = map[string]*genericDecl{}
	}
	l.generic.byKind[kind][name] = d
	l.generic.order = append(l.generic.order, d)
}

// staticRefs decodes a list of declaration references: [file.motd,
// service.nginx].
func (l *loader) staticRefs(a *hcl.Attribute) []declRef {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		l.errorf(a.Expr.Range(), &a.Range, "Invalid "+a.Name,
			"%s is a list of references to declarations, for example %s = [file.app_conf, package.nginx].", a.Name, a.Name)
		return nil
	}
	var refs []declRef
	for _, e := range exprs {
		t, diags := hcl.AbsTraversalForExpr(e)
		var steps []string
		if !diags.HasErrors() && len(t) > 0 {
			steps = staticSteps(t)
		}
		if len(steps) == 0 || !(l.opts.Kinds.isItem(t.RootName()) || (l.opts.Kinds.orderable(t.RootName()) && a.Name != metaNotify)) {
			l.errorf(e.Range(), &a.Range, "Invalid "+a.Name+" reference",
				"%s lists declarations by reference: KIND.NAME with KIND one of %s%s, for example %s = [file.app_conf]. Write the reference without quotes.",
				a.Name, strings.Join(l.opts.Kinds.ItemTypes(), ", "), l.orderableNote(), a.Name)
			continue
		}
		refs = append(refs, declRef{kind: t.RootName(), name: steps[0], rng: e.Range()})
	}
	return refs
}

// orderableNote names the registered block kinds depends_on and watch
// may also name: " (or attachment, for depends_on and watch)".
func (l *loader) orderableNote() string {
	types := l.opts.Kinds.orderableTypes()
	if len(types) == 0 {
		return ""
	}
	return " (or " + strings.Join(types, ", ") + ", for depends_on and watch)"
}

// resolveGeneric resolves a reference rooted at a host declaration kind
// (file.motd.path, service.nginx); ok is false for other roots.
func (l *loader) resolveGeneric(t hcl.Traversal, steps []string) (nodes []*node, diag *hcl.Diagnostic, ok bool) {
	kind := t.RootName()
	if !l.opts.Kinds.isItem(kind) {
		return nil, nil, false
	}
	if len(steps) == 0 {
		for _, d := range l.generic.order {
			if d.kind == kind {
				nodes = append(nodes, d.node)
			}
		}
		return nodes, nil, true
	}
	if d := l.generic.lookup(kind, steps[0]); d != nil {
		return []*node{d.node}, nil, true
	}
	return nil, undeclaredEntity(t, kind, steps[0], l.generic.names(kind)), true
}

// instancesExpr is the expression of a host declaration's node: its
// variables are those of every attribute (without each./count. and the
// notify references, which do not order evaluation), and its value holds
// every instance.
type instancesExpr struct {
	l *loader
	d *genericDecl
}

func (e *instancesExpr) Variables() []hcl.Traversal {
	var out []hcl.Traversal
	for name, a := range e.d.content.Attributes {
		if name == metaNotify {
			continue
		}
		if isStaticRefAttr(name) {
			for _, r := range e.d.refs[name] {
				if e.l.opts.Kinds.orderable(r.kind) {
					continue // an attachment orders the apply, not evaluation
				}
				out = append(out, hcl.Traversal{hcl.TraverseRoot{Name: r.kind, SrcRange: r.rng}, hcl.TraverseAttr{Name: r.name, SrcRange: r.rng}})
			}
			continue
		}
		for _, t := range a.Expr.Variables() {
			if root := t.RootName(); root != rootEach && root != rootCount && root != rootSelf {
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SourceRange().Start.Byte < out[j].SourceRange().Start.Byte })
	return out
}

func (e *instancesExpr) Range() hcl.Range      { return e.d.block.DefRange }
func (e *instancesExpr) StartRange() hcl.Range { return e.d.block.DefRange }

// Value evaluates every instance, keeps them on the declaration for
// assembly, and returns what references see: an object of settings, a
// map of them by each.key (for_each), or a tuple (count).
func (e *instancesExpr) Value(ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	d := e.d
	keys, diags := e.l.instanceKeys(d, ctx)
	d.instances = nil
	objects := map[string]cty.Value{}
	var list []cty.Value
	for _, k := range keys {
		inst, more := e.l.evalInstance(d, k, ctx)
		diags = append(diags, more...)
		d.instances = append(d.instances, inst)
		objects[k.key] = inst.object()
		list = append(list, inst.object())
	}
	switch {
	case len(keys) == 1 && !keys[0].keyed:
		return list[0], diags
	case d.content.Attributes[metaCount] != nil:
		return cty.TupleVal(list), diags
	}
	return cty.ObjectVal(objects), diags
}

// instanceKey is one instance's identity and its each/count values.
type instanceKey struct {
	key   string
	keyed bool
	count bool
	vars  map[string]cty.Value // "each" or "count" object
}

// instanceKeys evaluates for_each or count.
func (l *loader) instanceKeys(d *genericDecl, ctx *hcl.EvalContext) ([]instanceKey, hcl.Diagnostics) {
	forEach, count := d.content.Attributes[metaForEach], d.content.Attributes[metaCount]
	switch {
	case forEach != nil && count != nil:
		return nil, hcl.Diagnostics{diagAt(count.NameRange, &count.Range, "Both for_each and count",
			"A declaration takes for_each or count, not both. Keep for_each: it keys instances by value, so removing one never renames the others.")}
	case forEach != nil:
		return forEachKeys(forEach, ctx)
	case count != nil:
		return countKeys(count, ctx)
	}
	return []instanceKey{{}}, nil
}

func forEachKeys(a *hcl.Attribute, ctx *hcl.EvalContext) ([]instanceKey, hcl.Diagnostics) {
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return nil, diags
	}
	bad := func(detail string) ([]instanceKey, hcl.Diagnostics) {
		return nil, append(diags, diagAt(a.Expr.Range(), &a.Range, "Invalid for_each argument", detail+
			` for_each takes a map (each.key is the key) or a list or set of strings (each.key and each.value are the string), for example for_each = ["/opt/app", "/opt/data"] or for_each = { web = "8080" }.`))
	}
	if v.IsNull() {
		return bad("for_each is null.")
	}
	ty := v.Type()
	var keys []instanceKey
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			keys = append(keys, eachKey(k.AsString(), e))
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].key < keys[j].key })
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		seen := map[string]bool{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			s, err := convert.Convert(e, cty.String)
			if err != nil || s.IsNull() {
				return bad(fmt.Sprintf("A list given to for_each must hold strings; it holds %s.", e.Type().FriendlyName()))
			}
			if seen[s.AsString()] {
				return nil, append(diags, diagAt(a.Expr.Range(), &a.Range, "Duplicate for_each value",
					fmt.Sprintf("for_each lists %q twice; instances are identified by value, so each value must be unique. Remove the duplicate (distinct(...) does it).", s.AsString())))
			}
			seen[s.AsString()] = true
			keys = append(keys, eachKey(s.AsString(), s))
		}
	default:
		return bad(fmt.Sprintf("for_each is a %s.", ty.FriendlyName()))
	}
	return keys, diags
}

func eachKey(key string, value cty.Value) instanceKey {
	return instanceKey{key: key, keyed: true, vars: map[string]cty.Value{
		rootEach: cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(key), "value": value}),
	}}
}

func countKeys(a *hcl.Attribute, ctx *hcl.EvalContext) ([]instanceKey, hcl.Diagnostics) {
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return nil, diags
	}
	n, err := convert.Convert(v, cty.Number)
	var i int64
	exact := false
	if err == nil && !n.IsNull() {
		bf := n.AsBigFloat()
		i, _ = bf.Int64()
		exact = bf.IsInt() && i >= 0 && i <= 10000
	}
	if !exact {
		return nil, append(diags, diagAt(a.Expr.Range(), &a.Range, "Invalid count argument",
			"count is a whole number from 0 to 10000, for example count = 3; instances are then numbered by count.index. Prefer for_each over a list of names for instances that may come and go."))
	}
	keys := make([]instanceKey, 0, i)
	for j := int64(0); j < i; j++ {
		idx := cty.NumberIntVal(j)
		keys = append(keys, instanceKey{key: fmt.Sprint(j), keyed: true, count: true,
			vars: map[string]cty.Value{rootCount: cty.ObjectVal(map[string]cty.Value{"index": idx})}})
	}
	return keys, diags
}

// genericInstance is one evaluated instance: every setting and
// meta-argument converted to its type (unknown when it failed), with the
// range it was written at.
type genericInstance struct {
	key    instanceKey
	values map[string]cty.Value
	ranges map[string]hcl.Range
	set    map[string]bool // written in the block (not a default)
	// sensitive names the settings whose values come from a sensitive
	// variable.
	sensitive map[string]bool
	// perServer names the settings that read self: they take their
	// values per server (onServer), in ctx with self bound.
	perServer map[string]bool
	ctx       *hcl.EvalContext
}

// object is what a reference to the instance sees: its settings.
func (inst *genericInstance) object() cty.Value {
	attrs := map[string]cty.Value{}
	for k, v := range inst.values {
		if k != metaServers && k != metaWhere {
			if inst.perServer[k] {
				v = cty.UnknownVal(v.Type()).Mark(markPerServer)
			}
			if inst.sensitive[k] {
				v = v.Mark(markSensitive)
			}
			attrs[k] = v
		}
	}
	return cty.ObjectVal(attrs)
}

// evalInstance evaluates every setting of one instance.
func (l *loader) evalInstance(d *genericDecl, k instanceKey, parent *hcl.EvalContext) (*genericInstance, hcl.Diagnostics) {
	ctx := parent.NewChild()
	ctx.Variables = map[string]cty.Value{rootSelf: cty.DynamicVal} // bound per server by onServer
	for name, v := range k.vars {
		ctx.Variables[name] = v
	}
	inst := &genericInstance{key: k, values: map[string]cty.Value{}, ranges: map[string]hcl.Range{}, set: map[string]bool{},
		sensitive: map[string]bool{}, perServer: d.selfAttrs, ctx: ctx}
	specs := append(slices.Clone(d.specs), metaSpecs()...)
	var diags hcl.Diagnostics
	for _, spec := range specs {
		a := d.content.Attributes[spec.name]
		inst.ranges[spec.name] = d.block.DefRange
		if spec.name == "name" && len(d.block.LabelRanges) > 0 {
			inst.ranges[spec.name] = d.block.LabelRanges[0] // the default is the label
		}
		if a == nil {
			inst.values[spec.name] = l.genericGrammar(spec, l.genericDefault(d, spec), inst.ranges[spec.name], nil, false)
			continue
		}
		inst.ranges[spec.name] = a.Expr.Range()
		inst.set[spec.name] = true
		v, more := l.evalSetting(d, a, spec, ctx, k, inst)
		diags = append(diags, more...)
		inst.values[spec.name] = l.genericGrammar(spec, v, a.Expr.Range(), a.Expr, inst.sensitive[spec.name])
	}
	return inst, diags
}

func (l *loader) genericDefault(d *genericDecl, spec attrSpec) cty.Value {
	switch {
	case spec.name == "name":
		return cty.StringVal(d.name)
	case spec.deflt == cty.NilVal:
		return cty.NullVal(spec.typ)
	}
	return spec.deflt
}

// evalSetting evaluates one attribute of one instance and converts it to
// the setting's type.
func (l *loader) evalSetting(d *genericDecl, a *hcl.Attribute, spec attrSpec, ctx *hcl.EvalContext, k instanceKey, inst *genericInstance) (cty.Value, hcl.Diagnostics) {
	if diag := misplacedInstanceRef(a, k); diag != nil {
		return cty.UnknownVal(spec.typ), hcl.Diagnostics{diag}
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return cty.UnknownVal(spec.typ), diags
	}
	l.addMarkedSecrets(v)
	v, marks := v.UnmarkDeep()
	if _, ok := marks[markPerServer]; ok {
		return cty.UnknownVal(spec.typ), hcl.Diagnostics{perServerRef(a)}
	}
	inst.sensitive[spec.name] = hasSensitive(marks)
	if v.IsNull() {
		if spec.required {
			return cty.UnknownVal(spec.typ), append(diags, diagAt(a.Expr.Range(), &a.Range, "Required argument is null",
				fmt.Sprintf("%q is required and cannot be null. Write for example %s = %s.", spec.name, spec.name, spec.example)))
		}
		return l.genericDefault(d, spec), diags
	}
	if spec.typ == cty.DynamicPseudoType {
		return v, diags
	}
	out, err := convert.Convert(v, spec.typ)
	if err != nil {
		return cty.UnknownVal(spec.typ), append(diags, diagAt(a.Expr.Range(), &a.Range, "Incorrect attribute value type",
			fmt.Sprintf("Inappropriate value for %q: %s. Write for example %s = %s.", spec.name, err, spec.name, spec.example)))
	}
	return out, diags
}

// misplacedInstanceRef reports each.* without for_each and count.*
// without count.
func misplacedInstanceRef(a *hcl.Attribute, k instanceKey) *hcl.Diagnostic {
	for _, t := range a.Expr.Variables() {
		root := t.RootName()
		if (root == rootEach && (k.vars == nil || k.count)) || (root == rootCount && !k.count) {
			meta := metaForEach
			if root == rootCount {
				meta = metaCount
			}
			rng := t.SourceRange()
			return diagAt(rng, &a.Range, fmt.Sprintf("%s used without %s", root, meta),
				fmt.Sprintf("%s.* is only defined in a declaration with %s. Add %s, or write the value itself.", root, meta, meta))
		}
	}
	return nil
}

func diagAt(subject hcl.Range, context *hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &subject, Context: context}
}

// hclIdentifier is a name references can use.
func hclIdentifier(name string) bool { return validName("", name) }

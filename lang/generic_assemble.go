package lang

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	pathpkg "path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/drover/drover/dag"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// assembleGeneric builds the items of every host declaration, in
// declaration order, reporting problems of targeting, sources and
// settings. Servers must be assembled already.
func (l *loader) assembleGeneric(c *Cluster) []*Item {
	l.generic.cluster = c
	var items []*Item
	itemDecl := map[*Item]*genericDecl{}
	itemInst := map[*Item]*genericInstance{}
	for _, d := range l.generic.order {
		after := l.declAfter(d)
		if d.selfBad {
			continue
		}
		for _, inst := range d.instances {
			for _, it := range l.instanceItems(c, d, inst, after) {
				items = append(items, it.item)
				itemDecl[it.item], itemInst[it.item] = d, it.inst
			}
		}
	}
	l.linkWatches(items)
	l.checkDuplicateIdentities(items, itemInst)
	l.checkOrderCycles(items)
	return items
}

// instanceItem is an item and the instance (or one server's evaluation
// of it) it was made from.
type instanceItem struct {
	item *Item
	inst *genericInstance
}

// instanceItems converts one instance into its item, or into one item per
// server when its settings read self; none when something it needs did
// not evaluate (already reported).
func (l *loader) instanceItems(c *Cluster, d *genericDecl, inst *genericInstance, after []string) []instanceItem {
	newItem := func() *Item {
		return &Item{Kind: d.kind, Name: d.name, Key: inst.key.key, Keyed: inst.key.keyed, Count: inst.key.count,
			Settings: map[string]string{}, After: slices.Clone(after), DeclRange: d.block.DefRange}
	}
	if !settingsKnown(d, inst, d.selfAttrs) {
		return nil
	}
	servers, ok := l.targets(c, d, inst)
	if !ok {
		return nil
	}
	if len(d.selfAttrs) == 0 {
		it := newItem()
		l.fillSettings(d, inst, it)
		it.Servers = servers
		if !l.checkItem(d, inst, it) {
			return nil
		}
		return []instanceItem{{it, inst}}
	}
	var out []instanceItem
	for _, name := range servers {
		one := l.onServer(d, inst, c.Server(name))
		it := newItem()
		if !l.fillSettings(d, one, it) {
			continue
		}
		it.Servers = []string{name}
		if l.checkItem(d, one, it) {
			out = append(out, instanceItem{it, one})
		}
	}
	return out
}

// settingsKnown reports whether every setting of an instance (but those
// of skip) evaluated; those that did not were reported.
func settingsKnown(d *genericDecl, inst *genericInstance, skip map[string]bool) bool {
	for _, spec := range d.specs {
		if !skip[spec.name] && !inst.values[spec.name].IsWhollyKnown() {
			return false
		}
	}
	return true
}

// fillSettings converts an instance's settings into the item's; false
// when one did not evaluate (already reported).
func (l *loader) fillSettings(d *genericDecl, inst *genericInstance, it *Item) bool {
	if !settingsKnown(d, inst, nil) {
		return false
	}
	for _, spec := range d.specs {
		v := inst.values[spec.name]
		if spec.name == "vars" {
			it.Vars = l.varsOf(v, inst.ranges[spec.name])
			continue
		}
		it.Settings[spec.name] = settingString(v)
	}
	it.Sensitive = sensitiveSettings(d, inst, it.Settings)
	return true
}

// settingString renders a setting as the string the model keeps.
func settingString(v cty.Value) string {
	if v.IsNull() {
		return ""
	}
	switch {
	case v.Type() == cty.String:
		return v.AsString()
	case v.Type() == cty.Bool:
		return fmt.Sprint(v.True())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case v.Type().IsListType():
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if !e.IsNull() {
				parts = append(parts, e.AsString())
			}
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// varsOf turns template variables into plain Go values.
func (l *loader) varsOf(v cty.Value, rng hcl.Range) map[string]any {
	out := map[string]any{}
	if v.IsNull() {
		return out
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		l.errorf(rng, nil, "Invalid template vars", "vars is an object of values the template reads as .vars.NAME, for example vars = { domain = \"lab\" }.")
		return out
	}
	data, err := ctyjson.Marshal(v, v.Type())
	if err == nil {
		err = json.Unmarshal(data, &out)
	}
	if err != nil {
		l.errorf(rng, nil, "Invalid template vars", "vars cannot be passed to a template: %s.", err)
	}
	return out
}

// targets resolves servers and where into server names.
func (l *loader) targets(c *Cluster, d *genericDecl, inst *genericInstance) ([]string, bool) {
	listV, whereV := inst.values[metaServers], inst.values[metaWhere]
	if !listV.IsWhollyKnown() || !whereV.IsWhollyKnown() {
		return nil, false
	}
	names, at := l.generic.serverNames(c)
	var picked []string
	if inst.set[metaServers] && !listV.IsNull() {
		ok := true
		a := d.content.Attributes[metaServers]
		ranges := exprElementRanges(a.Expr, listV.LengthInt())
		listed := map[string]bool{}
		i := 0
		for it := listV.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			declared := false
			if !e.IsNull() {
				_, declared = at[e.AsString()]
			}
			if !declared {
				l.unknownTarget(ranges[i], &a.Range, e, names, picked)
				ok = false
				continue
			}
			if !listed[e.AsString()] {
				listed[e.AsString()] = true
				picked = append(picked, e.AsString())
			}
		}
		if !ok {
			return nil, false
		}
		sort.SliceStable(picked, func(i, j int) bool { return at[picked[i]] < at[picked[j]] })
	} else if len(names) > 0 {
		picked = slices.Clone(names)
	}
	if inst.set[metaWhere] && !whereV.IsNull() {
		return l.selectByLabels(c, d, whereV, picked)
	}
	return picked, true
}

// serverNames are the names of c's servers in order, and each one's
// position, built once per cluster; callers must not modify them.
func (g *genericDecls) serverNames(c *Cluster) ([]string, map[string]int) {
	if g.srvNamesOf != c {
		g.srvNamesOf, g.srvNames, g.srvAt = c, make([]string, len(c.Servers)), make(map[string]int, len(c.Servers))
		for i, s := range c.Servers {
			g.srvNames[i] = s.Name
			if _, dup := g.srvAt[s.Name]; !dup {
				g.srvAt[s.Name] = i
			}
		}
	}
	return g.srvNames, g.srvAt
}

func (l *loader) unknownTarget(rng hcl.Range, ctx *hcl.Range, e cty.Value, names, picked []string) {
	if e.IsNull() {
		l.errorf(rng, ctx, "Invalid list element", "Every element of servers must be a server name, not null.")
		return
	}
	detail := fmt.Sprintf("No server named %q is declared.", e.AsString())
	unlisted := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(picked, n) })
	if s := suggest(e.AsString(), unlisted); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else if len(names) > 0 {
		detail += fmt.Sprintf(" Declared: %s.", strings.Join(names, ", "))
	}
	l.errorf(rng, ctx, "Unknown server", "%s", detail)
}

// selectByLabels keeps the servers whose labels hold every pair of where;
// a label no server has, or a selector matching nothing, is an error.
func (l *loader) selectByLabels(c *Cluster, d *genericDecl, where cty.Value, from []string) ([]string, bool) {
	a := d.content.Attributes[metaWhere]
	want := map[string]string{}
	for it := where.ElementIterator(); it.Next(); {
		k, v := it.Element()
		if v.IsNull() {
			l.errorf(a.Expr.Range(), &a.Range, "Invalid label selector", "Label %q is null in where; write for example where = { role = \"web\" }.", k.AsString())
			return nil, false
		}
		want[k.AsString()] = v.AsString()
	}
	known := map[string][]string{}
	for _, s := range c.Servers {
		for k, v := range s.Labels {
			known[k] = append(known[k], v)
		}
	}
	for _, k := range slices.Sorted(mapsKeys(want)) {
		if _, ok := known[k]; !ok {
			detail := fmt.Sprintf("No server has the label %q.", k)
			if s := suggest(k, slices.Sorted(mapsKeys(known))); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			} else if len(known) > 0 {
				detail += fmt.Sprintf(" Labels in use: %s.", strings.Join(slices.Sorted(mapsKeys(known)), ", "))
			} else {
				detail += ` Give servers labels, for example labels = { role = "web" } in a server block.`
			}
			l.errorf(a.Expr.Range(), &a.Range, "Unknown label", "%s", detail)
			return nil, false
		}
	}
	var out []string
	for _, name := range from {
		if s := c.Server(name); s != nil && labelsMatch(s.Labels, want) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		l.errorf(a.Expr.Range(), &a.Range, "No server matches",
			"No server (of those targeted) has every label of where %s. Check the values, or remove the declaration.", describeLabels(want))
		return nil, false
	}
	return out, true
}

func labelsMatch(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func describeLabels(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(mapsKeys(m)) {
		parts = append(parts, fmt.Sprintf("%s = %q", k, m[k]))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// exprElementRanges are the ranges of a list literal's elements, else
// the whole expression's.
func exprElementRanges(expr hcl.Expression, n int) []hcl.Range {
	out := make([]hcl.Range, n)
	tuple, literal := expr.(*hclsyntax.TupleConsExpr)
	for i := range out {
		out[i] = expr.Range()
		if literal && len(tuple.Exprs) == n {
			out[i] = tuple.Exprs[i].Range()
		}
	}
	return out
}

// declAfter lists the declarations d comes after: depends_on, watch, and
// host declarations its attributes refer to.
func (l *loader) declAfter(d *genericDecl) []string {
	var after []string
	add := func(decl string) {
		if decl != d.kind+"."+d.name && !slices.Contains(after, decl) {
			after = append(after, decl)
		}
	}
	for _, attr := range []string{metaDependsOn, metaWatch} {
		for _, r := range d.refs[attr] {
			add(r.decl())
		}
	}
	for name, a := range d.content.Attributes {
		if isStaticRefAttr(name) {
			continue
		}
		for _, t := range a.Expr.Variables() {
			if steps := staticSteps(t); l.opts.Kinds.isItem(t.RootName()) && len(steps) > 0 {
				add(t.RootName() + "." + steps[0])
			}
		}
	}
	sort.Strings(after)
	return after
}

// linkWatches turns notify into watches: a file notifying service.nginx
// makes nginx watch the file (and come after it). A notify target must be
// a declared service.
func (l *loader) linkWatches(items []*Item) {
	byDecl := map[string][]*Item{}
	for _, it := range items {
		byDecl[it.Decl()] = append(byDecl[it.Decl()], it)
	}
	for _, it := range items {
		if !l.opts.Kinds.restartable(it.Kind) {
			continue
		}
		for _, r := range l.generic.lookup(it.Kind, it.Name).refs[metaWatch] {
			it.Watch = appendNew(it.Watch, r.decl())
		}
	}
	for _, d := range l.generic.order {
		for _, r := range d.refs[metaNotify] {
			if !l.opts.Kinds.restartable(r.kind) || l.generic.lookup(r.kind, r.name) == nil {
				l.badNotify(d, r)
				continue
			}
			for _, svc := range byDecl[r.decl()] {
				svc.Watch = appendNew(svc.Watch, d.kind+"."+d.name)
				svc.After = appendNew(svc.After, d.kind+"."+d.name)
			}
		}
	}
	for _, d := range l.generic.order {
		for _, r := range append(slices.Clone(d.refs[metaWatch]), d.refs[metaDependsOn]...) {
			if l.opts.Kinds.orderable(r.kind) {
				l.checkOrderRef(r) // blockkinds.go
				continue
			}
			if l.generic.lookup(r.kind, r.name) == nil && slices.Contains(d.refs[metaWatch], r) {
				l.errorf(r.rng, nil, "Reference to undeclared "+r.kind,
					"watch names %s, which is not declared. Declared %s declarations: %s.", r.decl(), r.kind, strings.Join(l.generic.names(r.kind), ", "))
			}
		}
	}
}

func (l *loader) badNotify(d *genericDecl, r declRef) {
	if !l.opts.Kinds.restartable(r.kind) {
		l.errorf(r.rng, nil, "Invalid notify target",
			"notify names services to restart or reload when this %s changes; %s is a %s. Write for example notify = [service.nginx].", d.kind, r.decl(), r.kind)
		return
	}
	detail := fmt.Sprintf("notify names %s, which is not declared.", r.decl())
	if s := suggest(r.name, l.generic.names(r.kind)); s != "" {
		detail += fmt.Sprintf(" Did you mean %s.%s?", r.kind, s)
	}
	l.errorf(r.rng, nil, "Reference to undeclared "+r.kind, "%s", detail)
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// checkOrderCycles reports a loop in the apply order of declarations
// (reference cycles were reported by evaluation; what is left comes from
// notify): the first loop, through the earliest declaration on one.
func (l *loader) checkOrderCycles(items []*Item) {
	g := dag.New()
	for _, it := range items {
		g.AddNode(it.Decl())
		for _, a := range it.After {
			g.AddEdge(a, it.Decl())
		}
	}
	for _, comp := range g.Components() {
		loop := g.Loop(comp[0])
		if loop == nil {
			continue
		}
		d := l.declByName(loop[len(loop)-2])
		l.errorf(d.block.DefRange, nil, "Dependency cycle",
			"These declarations must each be applied before the next: %s. Remove one depends_on, watch or notify of the loop.", strings.Join(loop, " -> "))
		return
	}
}

func (l *loader) declByName(decl string) *genericDecl {
	kind, name, _ := strings.Cut(decl, ".")
	return l.generic.lookup(kind, name)
}

// itemIdentity is what the item manages on a server (its type's
// Identity): two items with the same key on one server would fight.
func itemIdentity(ik ItemKind, it *Item) (key, what, attr string) {
	if ik.Identity == nil {
		return "", "", ""
	}
	return ik.Identity(it.Settings)
}

// CleanPath is the clean form of an absolute path, so that "/etc//motd"
// and "/etc/motd" are found to be one file (an item type's Identity);
// other strings are returned as they are.
func CleanPath(p string) string {
	if strings.HasPrefix(p, "/") {
		return pathpkg.Clean(p)
	}
	return p
}

// checkDuplicateIdentities reports two items that would manage the same
// thing on one server.
//
// Only items that share their identity with another item can clash, so
// the servers of the others are not looked at: a cluster of 10,000
// servers and 20 host declarations each is not 200,000 map entries.
func (l *loader) checkDuplicateIdentities(items []*Item, insts map[*Item]*genericInstance) {
	type identity struct{ key, what, attr string }
	ids := make([]identity, len(items))
	shared := map[string]int{} // items by identity key
	for i, it := range items {
		key, what, attr := itemIdentity(l.generic.lookup(it.Kind, it.Name).ik, it)
		ids[i] = identity{key, what, attr}
		shared[key]++
	}
	type onServer struct{ srv, key string }
	first := map[onServer]*Item{}
	for i, it := range items {
		key, what, attr := ids[i].key, ids[i].what, ids[i].attr
		if key == "" || shared[key] < 2 {
			continue
		}
		for _, srv := range it.Servers {
			k := onServer{srv, key}
			prev, dup := first[k]
			if !dup {
				first[k] = it
				continue
			}
			detail := fmt.Sprintf("%s and %s (%s) both manage %s on server %q. Each thing on a server is declared once: remove one, or target them at different servers.",
				it.Address(), prev.Address(), shortPos(prev.DeclRange), what, srv)
			if raw := it.Settings["path"]; attr == "path" && raw != CleanPath(raw) {
				detail += fmt.Sprintf(" (%q is %q written another way: write paths in their clean form.)", raw, CleanPath(raw))
			}
			l.errorf(insts[it].ranges[attr], nil, "Duplicate "+it.Kind, "%s", detail)
			break
		}
	}
}

// readSource reads a file named relative to the declaring file's folder:
// from the sources given to LoadFiles, else from disk.
func (l *loader) readSource(declFile, rel string) (string, []byte, error) {
	path := rel
	if !filepath.IsAbs(rel) {
		path = filepath.Join(filepath.Dir(declFile), rel)
	}
	if data, ok := l.sources[path]; ok {
		return path, data, nil
	}
	data, err := readRegularFile(path)
	return path, data, err
}

// maxSourceSize bounds a file or template read for a declaration: they end
// up in the plan and on every targeted server.
const maxSourceSize = 16 << 20

// readRegularFile reads path when it is a regular file of at most
// maxSourceSize bytes, so that a source naming a device (/dev/zero), a
// FIFO or a huge file is an error rather than a hang.
func readRegularFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case info.IsDir():
		return nil, fmt.Errorf("read %s: is a directory", path)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file but a device, pipe or socket", path)
	case info.Size() > maxSourceSize:
		return nil, fmt.Errorf("%s is %d bytes, more than the %d MiB a source may have", path, info.Size(), maxSourceSize>>20)
	}
	return io.ReadAll(io.LimitReader(f, maxSourceSize+1))
}

// wholeNumber reports whether a setting is a non-negative whole number.
func wholeNumber(v cty.Value) bool {
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return true
	}
	f := v.AsBigFloat()
	return f.IsInt() && f.Sign() >= 0 && f.Cmp(big.NewFloat(maxWhole)) <= 0
}

// sensitiveSettings lists the settings of an instance that must not be
// printed, in spec order.
func sensitiveSettings(d *genericDecl, inst *genericInstance, settings map[string]string) []string {
	var out []string
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, spec := range d.specs {
		if !inst.sensitive[spec.name] {
			continue
		}
		if spec.name == "vars" || spec.name == "source" {
			add("content")
			continue
		}
		add(spec.name)
	}
	if settings[attrSensitive] == "true" && d.ik.Hides != "" {
		add(d.ik.Hides)
	}
	return out
}

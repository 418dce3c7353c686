package lang

import (
	"fmt"
	"sort"

	"github.com/drover/drover/core"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// markSensitive marks a cty value that comes from a sensitive variable;
// cty carries it through operators, functions and templates, so whatever
// is computed from the value is sensitive too.
const markSensitive = "sensitive"

func hasSensitive(marks cty.ValueMarks) bool {
	_, ok := marks[markSensitive]
	return ok
}

// metaSpecs are the meta-arguments of host declarations that hold
// strings, with their grammars in attrGrammars under "meta".
func metaSpecs() []attrSpec {
	return inBlock("meta", []attrSpec{
		{name: metaServers, typ: cty.List(cty.String), example: `["s1", "s2"]`},
		{name: metaWhere, typ: cty.Map(cty.String), example: `{ role = "web" }`},
	})
}

// grammarFor looks up a spec's grammar; a string attribute without one is
// reported (at rng) as the bug it is.
func (l *loader) grammarFor(spec attrSpec, rng hcl.Range) *grammar {
	g, ok := grammarOf(spec)
	if !ok {
		l.errorf(rng, nil, "Internal error: attribute without validator",
			"drover has no validator for %s.%s; this is a bug in drover (add it to attrGrammars).", spec.block, spec.name)
	}
	return g
}

// checkNodeGrammar checks an evaluated node against its grammar.
func (l *loader) checkNodeGrammar(n *node) {
	if n.grammar == nil || n.grammar.exempt != "" && n.grammar.keys == nil {
		return
	}
	l.checkValue(n.grammar, n.value, n.attrName(), n.example, n.expr, n.rng, l.grammarReporter(n.sensitive))
}

// genericGrammar checks one setting of a host declaration's instance.
func (l *loader) genericGrammar(spec attrSpec, v cty.Value, rng hcl.Range, expr hcl.Expression, sensitive bool) cty.Value {
	if g := l.grammarFor(spec, rng); g != nil {
		l.checkValue(g, v, spec.name, spec.example, expr, rng, l.grammarReporter(sensitive))
	}
	return v
}

// grammarReporter returns grammarProblem, or for a sensitive value one
// that does not repeat the value in the message.
func (l *loader) grammarReporter(sensitive bool) func(hcl.Range, problem, string) {
	return func(rng hcl.Range, p problem, value string) {
		if sensitive {
			p.detail = core.HideValue(p.detail, value)
		}
		l.grammarProblem(rng, p)
	}
}

// hideSecrets removes every secret (Cluster.Secrets) from the diagnostics'
// words, the longest first: whichever check reported a value computed from
// a sensitive one, and however it quoted it, the message does not repeat
// it (the source snippet shows the expression, not its value).
func hideSecrets(diags hcl.Diagnostics, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	for _, d := range diags {
		d.Summary, d.Detail = core.HideValues(d.Summary, secrets), core.HideValues(d.Detail, secrets)
	}
}

// grammarProblem keeps a value's mismatch with its grammar until every
// other check has run (see reportGrammar).
func (l *loader) grammarProblem(rng hcl.Range, p problem) {
	l.grammarDiags = append(l.grammarDiags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: p.summary, Detail: p.detail, Subject: rng.Ptr()})
}

// reportGrammar reports each grammar mismatch once, unless a more
// specific check already reported an error where the value is written
// (an unknown server, an address outside its subnet, ...): the table
// guarantees that no value escapes a grammar, and the specific checks
// keep their own words.
func (l *loader) reportGrammar() {
	taken := map[string]bool{}
	pos := func(r *hcl.Range) string { return fmt.Sprintf("%s:%d", r.Filename, r.Start.Byte) }
	for _, d := range l.diags {
		if d.Severity == hcl.DiagError && d.Subject != nil {
			taken[pos(d.Subject)] = true
		}
	}
	for _, d := range l.grammarDiags {
		if taken[pos(d.Subject)] {
			continue
		}
		taken[pos(d.Subject)] = true
		l.diags = append(l.diags, d)
	}
}

// checkValue checks a string, or each string of a list, set or map, and
// reports every problem; true when there was one.
func (l *loader) checkValue(g *grammar, v cty.Value, attr, example string, expr hcl.Expression, rng hcl.Range, report func(hcl.Range, problem, string)) bool {
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() || v.IsNull() {
		return false
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		p := g.problemOf(v.AsString(), attr, example)
		if !p.ok() {
			report(rng, p, v.AsString())
		}
		return !p.ok()
	case ty.IsListType() || ty.IsSetType():
		bad := false
		i := 0
		for it := v.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			if !e.IsNull() && (e.Type().IsListType() || e.Type().IsSetType()) { // a list of lists: each string
				sub, subRng := elementExpr(expr, i, v.LengthInt(), rng)
				bad = l.checkValue(g, e, attr, example, sub, subRng, report) || bad
				continue
			}
			if e.IsNull() || e.Type() != cty.String {
				continue
			}
			if p := g.problemOf(e.AsString(), attr, g.example); !p.ok() {
				report(elementRange(expr, i, v.LengthInt(), rng), p, e.AsString())
				bad = true
			}
		}
		return bad
	case ty.IsMapType():
		bad := false
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if g.keys != nil && !g.keys.accepts(k.AsString()) {
				if p := g.keys.problemOf(k.AsString(), attr+" key", g.keys.example); !p.ok() {
					report(rng, p, k.AsString())
					bad = true
				}
			}
			if e.IsNull() || e.Type() != cty.String || g.accepts(e.AsString()) {
				continue
			}
			if p := g.problemOf(e.AsString(), fmt.Sprintf("%s[%q]", attr, k.AsString()), g.example); !p.ok() {
				report(rng, p, e.AsString())
				bad = true
			}
		}
		return bad
	}
	return false
}

// elementRange is the range of element i of a list written as a literal
// tuple, else the whole expression's.
func elementRange(expr hcl.Expression, i, count int, fallback hcl.Range) hcl.Range {
	_, rng := elementExpr(expr, i, count, fallback)
	return rng
}

// elementExpr is element i's expression and range in a literal list of
// count elements; nil and fallback otherwise.
func elementExpr(expr hcl.Expression, i, count int, fallback hcl.Range) (hcl.Expression, hcl.Range) {
	if t, ok := expr.(*hclsyntax.TupleConsExpr); ok && len(t.Exprs) == count {
		return t.Exprs[i], t.Exprs[i].Range()
	}
	return nil, fallback
}

// MinSecretLen is the shortest sensitive string Cluster.Secrets lists:
// shorter ones ("1", "on") would mark unrelated attributes sensitive.
const MinSecretLen = 4

// addSecrets remembers every string in v (a sensitive value).
func (l *loader) addSecrets(v cty.Value) {
	if !v.IsKnown() || v.IsNull() {
		return
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		if s := v.AsString(); len(s) >= MinSecretLen {
			if l.secrets == nil {
				l.secrets = map[string]bool{}
			}
			l.secrets[s] = true
		}
	case ty.IsListType() || ty.IsSetType() || ty.IsMapType() || ty.IsTupleType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			l.addSecrets(e)
		}
	}
}

// addMarkedSecrets remembers the strings of v marked sensitive (not the
// rest of an object that holds one).
func (l *loader) addMarkedSecrets(v cty.Value) {
	l.addPathSecrets(v.UnmarkDeepWithPaths())
}

// addPathSecrets is addMarkedSecrets of a value already unmarked, with
// the paths of its marks.
func (l *loader) addPathSecrets(unmarked cty.Value, paths []cty.PathValueMarks) {
	for _, pm := range paths {
		if !hasSensitive(pm.Marks) {
			continue
		}
		if e, err := pm.Path.Apply(unmarked); err == nil {
			l.addSecrets(e)
		}
	}
}

// secretList is the sorted list of secrets.
func (l *loader) secretList() []string {
	var out []string
	for s := range l.secrets {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

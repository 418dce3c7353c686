package lang

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// rootSelf is the server a host declaration is applied to: self.name,
// self.address, self.labels. A declaration whose settings read self is
// evaluated once per server it targets (onServer), giving one item per
// server. Facts are not known to lang (they come from the hosts at plan
// time), so self has none: templates read them as .facts.
const rootSelf = "self"

// selfAttrs are the attributes of self, in documentation order.
var selfAttrs = []string{"name", "address", "labels"}

// markPerServer marks, in what references to a declaration see, a setting
// that reads self: it has one value per server, so no other declaration
// can read it.
const markPerServer = "per-server"

// selfValue is self bound to one server.
func selfValue(s *Server) cty.Value {
	labels := cty.MapValEmpty(cty.String)
	if len(s.Labels) > 0 {
		m := map[string]cty.Value{}
		for k, v := range s.Labels {
			m[k] = cty.StringVal(v)
		}
		labels = cty.MapVal(m)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal(s.Name), "address": cty.StringVal(s.Address), "labels": labels,
	})
}

// selfRefs checks the self references of a host declaration and returns
// the settings that read self; ok is false when one was invalid (already
// reported).
func (l *loader) selfRefs(kind string, content *hcl.BodyContent) (attrs map[string]bool, ok bool) {
	attrs, ok = map[string]bool{}, true
	for name, a := range content.Attributes {
		if isStaticRefAttr(name) {
			continue // KIND.NAME lists: self is reported there as no kind
		}
		for _, t := range a.Expr.Variables() {
			if t.RootName() != rootSelf {
				continue
			}
			if diag := checkSelfRef(kind, name, a, t); diag != nil {
				l.diags = append(l.diags, diag)
				ok = false
				continue
			}
			attrs[name] = true
		}
	}
	return attrs, ok
}

// checkSelfRef reports self in a meta-argument that chooses the servers or
// instances, or an attribute self does not have.
func checkSelfRef(kind, attr string, a *hcl.Attribute, t hcl.Traversal) *hcl.Diagnostic {
	switch attr {
	case metaServers, metaWhere, metaForEach, metaCount:
		return diagAt(t.SourceRange(), &a.Range, "self in "+attr,
			fmt.Sprintf("self is the server a declaration is applied to, known only once servers and where have chosen the servers and for_each or count the instances, so %s cannot use it. Use self in the settings of the %s, for example content = \"${self.name}\".", attr, kind))
	}
	steps := staticSteps(t)
	if len(steps) == 0 || slices.Contains(selfAttrs, steps[0]) {
		return nil
	}
	detail := fmt.Sprintf("self has no attribute %q.", steps[0])
	if s := suggest(steps[0], selfAttrs); s != "" {
		detail += fmt.Sprintf(" Did you mean self.%s?", s)
	}
	detail += " Its attributes are " + strings.Join(selfAttrs, ", ") +
		" (facts are not known when declarations are evaluated: a template reads them as .facts)."
	return refDiagnostic(t, "Unsupported attribute", detail)
}

// selfOutside reports self used outside a host declaration.
func (l *loader) selfOutside(t hcl.Traversal) *hcl.Diagnostic {
	return refDiagnostic(t, "self outside a host declaration",
		"self is the server a host declaration is applied to; it may be used only in the settings of "+
			strings.Join(l.opts.Kinds.ItemTypes(), ", ")+" blocks, for example file \"motd\" { content = \"${self.name}\\n\" }. Elsewhere name the server: server.NAME.address.")
}

const perServerSummary = "Value differs per server"

// perServerRef reports a setting that reads another declaration's
// setting that reads self.
func perServerRef(a *hcl.Attribute) *hcl.Diagnostic {
	return diagAt(a.Expr.Range(), &a.Range, perServerSummary,
		fmt.Sprintf("%s reads a setting of a host declaration that uses self, so it has one value per server, and another declaration cannot read it. Write the self expression here instead.", a.Name))
}

// onServer evaluates the settings of an instance that read self with self
// bound to one server; the others are shared with inst.
func (l *loader) onServer(d *genericDecl, inst *genericInstance, s *Server) *genericInstance {
	out := &genericInstance{key: inst.key, values: maps.Clone(inst.values), ranges: inst.ranges, set: inst.set,
		sensitive: maps.Clone(inst.sensitive), perServer: inst.perServer, ctx: inst.ctx}
	ctx := inst.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{rootSelf: selfValue(s)}
	for _, spec := range d.specs {
		a := d.content.Attributes[spec.name]
		if a == nil || !d.selfAttrs[spec.name] {
			continue
		}
		if s.Local && readsSelfAddress(a) {
			l.genericError(a.Expr.Range(), "self.address of the local server",
				fmt.Sprintf("%s reads self.address, and the reserved server %q (the machine drover runs on) has no declared address: drover learns it from its facts when it runs. Target the declaration at the other servers (servers or where), or write the value itself.", spec.name, LocalServer))
			out.values[spec.name] = cty.UnknownVal(spec.typ)
			continue
		}
		if s.LearnAddress && readsSelfAddress(a) {
			l.genericError(a.Expr.Range(), "self.address of a server named by host name",
				fmt.Sprintf("%s reads self.address, and server %q has the host name %q as its address: the IP is learned from its facts when drover runs. Set private_address in server %q, or write the value itself.", spec.name, s.Name, s.Connect, s.Name))
			out.values[spec.name] = cty.UnknownVal(spec.typ)
			continue
		}
		v, diags := l.evalSetting(d, a, spec, ctx, inst.key, out)
		for _, diag := range diags {
			if diag.Summary != perServerSummary { // reported by the first evaluation
				l.perServerDiag(diag, s)
			}
		}
		out.values[spec.name] = l.genericGrammar(spec, v, a.Expr.Range(), a.Expr, out.sensitive[spec.name])
	}
	return out
}

// readsSelfAddress reports whether an attribute reads self.address (or
// the whole of self).
func readsSelfAddress(a *hcl.Attribute) bool {
	for _, t := range a.Expr.Variables() {
		if steps := staticSteps(t); t.RootName() == rootSelf && (len(steps) == 0 || steps[0] == "address") {
			return true
		}
	}
	return false
}

// perServerDiag reports a problem of one server's evaluation, naming the
// server (and its labels, for a missing one), once per place and kind of
// problem: the first server that has it stands for the others.
func (l *loader) perServerDiag(diag *hcl.Diagnostic, s *Server) {
	if diag.Subject == nil {
		l.diags = append(l.diags, diag)
		return
	}
	rng := *diag.Subject
	key := fmt.Sprintf("self %s:%d:%d %s", rng.Filename, rng.Start.Line, rng.Start.Column, diag.Summary)
	if l.generic.reported == nil {
		l.generic.reported = map[string]bool{}
	}
	if l.generic.reported[key] {
		return
	}
	l.generic.reported[key] = true
	detail := fmt.Sprintf("%s (self is server %q.)", strings.TrimSpace(diag.Detail), s.Name)
	if diag.Summary == "Invalid index" || diag.Summary == "Missing map element" {
		labels := "no labels"
		if len(s.Labels) > 0 {
			labels = "the labels " + describeLabels(s.Labels)
		}
		detail = fmt.Sprintf("%s Server %q has %s; target only servers that have the label (where), or read it with a default: lookup(self.labels, \"KEY\", \"DEFAULT\").",
			strings.TrimSpace(diag.Detail), s.Name, labels)
	}
	l.errorf(rng, diag.Context, diag.Summary, "%s", detail)
}

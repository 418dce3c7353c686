package lang

import "github.com/hashicorp/hcl/v2"

// FinalCheck is a check a kind's package runs over the whole model once
// every other check has passed, so that it may assume a valid cluster
// (a job's placement on the servers). It reports through at, naming the
// block a problem is in.
type FinalCheck func(c *Cluster, at *Reporter)

// AddFinalCheck registers a FinalCheck; they run in registration order.
func (k *Kinds) AddFinalCheck(check FinalCheck) { k.final = append(k.final, check) }

// Reporter reports a FinalCheck's problems at the blocks that cause them.
type Reporter struct{ l *loader }

// Problem reports a problem at setting attr of the block of type typ
// named name, or at the block when the setting is not written; a block
// that is not declared is a programming error and reports nothing.
func (r *Reporter) Problem(typ, name, attr, summary, detail string) {
	attrs, rng, ok := r.l.declaredBlock(typ, name)
	if !ok {
		return
	}
	if n := attrs[attr]; n != nil && n.expr != nil {
		r.l.report(n, problem{summary, detail})
		return
	}
	r.l.reportAt(rng, problem{summary, detail})
}

// runFinalChecks runs the registered final checks when nothing else
// failed.
func (l *loader) runFinalChecks(c *Cluster) {
	if l.diags.HasErrors() || l.opts.Kinds == nil {
		return
	}
	for _, check := range l.opts.Kinds.final {
		check(c, &Reporter{l: l})
	}
}

// declaredBlock finds the registered kind's block of type typ named name.
func (l *loader) declaredBlock(typ, name string) (map[string]*node, hcl.Range, bool) {
	for _, d := range l.blocks {
		if d.kind.Type == typ && d.label == name {
			return d.attrs, d.block.DefRange, true
		}
	}
	return nil, hcl.Range{}, false
}

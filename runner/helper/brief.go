package helper

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/drover/drover/core"
)

// Run is a half-open range [From, To) of a plan request's Resources,
// written [from,to] on the wire.
type Run struct{ From, To int }

// MarshalJSON writes the run as a two-element array.
func (r Run) MarshalJSON() ([]byte, error) { return json.Marshal([2]int{r.From, r.To}) }

// UnmarshalJSON reads a two-element array.
func (r *Run) UnmarshalJSON(b []byte) error {
	var a [2]int
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	r.From, r.To = a[0], a[1]
	return nil
}

// brief takes out of a plan's changes (deletes first, then one per sent
// resource, in order: host.Plan's answer) the no-ops whose resource is
// exactly the one sent (every no-op with anyNoOp), and returns the rest
// and the runs taken.
func brief(sent []core.Resource, changes []core.Change, anyNoOp bool) ([]core.Change, []Run) {
	deletes := len(changes) - len(sent)
	if deletes < 0 {
		return changes, nil
	}
	rest := changes[:deletes:deletes]
	var runs []Run
	for i, c := range changes[deletes:] {
		if c.Action != core.NoOp || !(anyNoOp || SameResource(c.Resource, sent[i])) {
			rest = append(rest, c)
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].To == i {
			runs[n-1].To++
		} else {
			runs = append(runs, Run{i, i + 1})
		}
	}
	return rest, runs
}

// ExpandBrief puts the no-ops of a brief plan answer back in place, each
// with the resource sent, so that resp.Changes is what a full answer
// would have held: the deletes, then one change per sent resource in
// order. With noOps false it drops every no-op instead: a plan that is
// only shown (asked with Request.ShowOnly, whose runs may stand for
// no-ops of resources the host completed). An answer that does not add
// up (runs out of order or range, a change for another resource than
// the one at its place, a change other than a delete before them) is an
// error; so is a full answer that does not.
func ExpandBrief(sent []core.Resource, resp *Response, noOps bool) error {
	same := 0
	for i, r := range resp.Same {
		if r.From < 0 || r.From >= r.To || r.To > len(sent) || (i > 0 && r.From < resp.Same[i-1].To) {
			return fmt.Errorf("answer: unchanged run [%d,%d) out of order or outside the %d resources sent", r.From, r.To, len(sent))
		}
		same += r.To - r.From
	}
	deletes := len(resp.Changes) + same - len(sent)
	if deletes < 0 {
		return fmt.Errorf("answer: %d changes and %d unchanged for %d resources sent", len(resp.Changes), same, len(sent))
	}
	for i, c := range resp.Changes[:deletes] {
		if c.Action != core.Delete {
			return fmt.Errorf("answer: change %d (%s %s) is not a delete, but only deletes come before the resources sent", i, c.Action, c.Resource.ID())
		}
	}
	size := deletes + len(sent)
	if !noOps {
		size = len(resp.Changes)
	}
	out := make([]core.Change, 0, size)
	out = append(out, resp.Changes[:deletes]...)
	rest, runs := resp.Changes[deletes:], resp.Same
	for i := range sent {
		if len(runs) > 0 && i >= runs[0].From {
			if noOps {
				out = append(out, core.Change{Action: core.NoOp, Resource: sent[i]})
			}
			if i+1 == runs[0].To {
				runs = runs[1:]
			}
			continue
		}
		c := rest[0]
		if c.Resource.ID() != sent[i].ID() {
			return fmt.Errorf("answer: change %d is for %s, not %s", deletes+i, c.Resource.ID(), sent[i].ID())
		}
		if noOps || c.Action != core.NoOp {
			out = append(out, c)
		}
		rest = rest[1:]
	}
	resp.Changes, resp.Same = out, nil
	return nil
}

// SameResource reports whether a and b are the same resource with the
// same settings; an empty list or map equals a missing one (as after a
// round trip through JSON).
func SameResource(a, b core.Resource) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Group == b.Group &&
		maps.Equal(a.Attrs, b.Attrs) && maps.Equal(a.Refs, b.Refs) &&
		slices.Equal(a.Owners, b.Owners) && slices.Equal(a.After, b.After) &&
		slices.Equal(a.Sensitive, b.Sensitive)
}

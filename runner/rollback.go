package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/drover/drover/core"
	"github.com/drover/drover/dag"
)

// appliedLog records the changes an apply made, in the order it made them.
type appliedLog struct {
	mu    sync.Mutex
	nodes []node
}

func (l *appliedLog) add(n node) {
	l.mu.Lock()
	l.nodes = append(l.nodes, n)
	l.mu.Unlock()
}

// failedGroups names the groups (host.Resource.Group) of which a change
// failed; a change skipped because of another's failure does not count.
func failedGroups(errs map[string]error, nodes map[string]node) map[string]bool {
	failed := map[string]bool{}
	for id, err := range errs {
		var skipped *dag.SkippedError
		if err == nil || errors.As(err, &skipped) {
			continue
		}
		if g := nodes[id].change.Resource.Group; g != "" {
			failed[g] = true
		}
	}
	return failed
}

// rollbackGroups puts every update of a failed group that was already
// applied back to its previous attributes, newest first, so that the group
// (a job's instances) runs what it ran before the apply. The next apply
// tries again.
func (s *Session) rollbackGroups(ctx context.Context, applied []node, failed map[string]bool, byHost map[string]*HostResult) {
	if len(failed) == 0 {
		return
	}
	for i := len(applied) - 1; i >= 0; i-- {
		n := applied[i]
		r := n.change.Resource
		if !failed[r.Group] || (n.change.Action != core.Update && n.change.Action != core.Replace) {
			continue
		}
		back := node{host: n.host, change: previous(n.change)}
		hr := byHost[n.host]
		ev := Event{Type: EventRollback, Host: n.host, ID: DisplayID(r.ID()), Owners: r.Owners, Group: r.Group}
		if _, err := s.applyOne(ctx, s.host(n.host), back); err != nil {
			hr.Error = joinErr(hr.Error, fmt.Sprintf("%s: putting it back after %s failed: %v", r.ID(), r.Group, err))
			ev.Error = err.Error()
			s.emit(ev)
			continue
		}
		s.emit(ev)
		hr.RolledBack = append(hr.RolledBack, r.ID())
		hr.Error = joinErr(hr.Error, fmt.Sprintf("%s rolled back: %s failed", r.ID(), r.Group))
	}
}

// previous is the change that undoes an applied update: the resource with
// the attributes it had before.
func previous(c core.Change) core.Change {
	r := c.Resource
	attrs := make(map[string]string, len(r.Attrs))
	for k, v := range r.Attrs {
		attrs[k] = v
	}
	back := core.Change{Action: core.Update}
	for _, f := range c.Fields {
		if f.Old == "" {
			delete(attrs, f.Name)
		} else {
			attrs[f.Name] = f.Old
		}
		back.Fields = append(back.Fields, core.FieldChange{Name: f.Name, Old: f.New, New: f.Old})
	}
	r.Attrs, r.Refs = attrs, nil
	back.Resource = r
	return back
}

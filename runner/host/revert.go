package host

import (
	"fmt"
	"time"

	"github.com/drover/drover/core"
)

// The revert record. When an apply opens a generation (apply -confirm,
// -rollback-on-failure), the write-ahead record of each change (journal.go)
// also keeps, in Manifest.Generation, what the resource was before: whether
// it existed, the attributes Read returned (the file's content, the
// address, the sysctl's value, the nft table's listing, the service's
// state), and the manifest entry drover had for it. It is saved (fsynced)
// in the same write as the pending record, before the change is made, so
// a helper killed half-way leaves a record that still puts the host back.
// Revert walks it newest first. The record can hold secrets (a private
// file's previous content): it lives in the root-only manifest.

// Generation is the revert record of one apply on this host.
type Generation struct {
	// ID names the apply (the controller's start time, RFC 3339).
	ID      string       `json:"id"`
	Started time.Time    `json:"started"`
	Steps   []RevertStep `json:"steps,omitempty"`
}

// RevertStep is what one change of the generation needs to be undone.
type RevertStep struct {
	Action core.Action `json:"action"`
	// Resource is the resource as the change wanted it, its sensitive
	// values sealed as in every manifest entry (what was there before is
	// in Before, read back from the host).
	Resource core.Resource `json:"resource"`
	// Existed tells whether the resource existed before the change;
	// Before holds the attributes Read returned then.
	Existed bool              `json:"existed"`
	Before  map[string]string `json:"before,omitempty"`
	// Prior is the manifest entry before the change (nil: none).
	Prior *ManifestEntry `json:"prior,omitempty"`
}

// Reverted is what Revert did with one step.
type Reverted struct {
	ID     string      `json:"id"`
	Action core.Action `json:"action"` // the change that was undone
	Error  string      `json:"error,omitempty"`
}

// OpenGeneration starts recording changes under id, unless that
// generation is already open. It does not save the manifest.
func (m *Manifest) OpenGeneration(id string, now time.Time) {
	if m.Generation != nil && m.Generation.ID == id {
		return
	}
	m.Generation = &Generation{ID: id, Started: now.UTC()}
}

// recordBefore adds to the open generation (if any) what r is before a
// change with action. It reads r's actual state; prev is its manifest
// entry, if recorded.
func (m *Manifest) recordBefore(k Kind, action core.Action, r core.Resource, prev ManifestEntry, recorded bool) error {
	if m.Generation == nil {
		return nil
	}
	step := RevertStep{Action: action, Resource: sealed(r, core.Resource{})}
	if recorded {
		p := prev
		step.Prior = &p
	}
	read := r
	if recorded && (action == core.Delete || action == core.Replace) {
		read = prev.Resource
	}
	actual, exists, err := k.Read(read, prev.Saved)
	if err != nil {
		return fmt.Errorf("%s: reading it before the change, for the revert record: %w", r.ID(), err)
	}
	delete(actual, PrivateKey)
	step.Existed, step.Before = exists, actual
	m.Generation.Steps = append(m.Generation.Steps, step)
	return nil
}

// Revert puts back every change of the open generation, newest first,
// saving the manifest after each, and closes the generation. A step that
// cannot be undone is reported with its error and the others still run.
func Revert(kinds Kinds, m *Manifest) ([]Reverted, error) {
	if m.Generation == nil {
		return nil, nil
	}
	m.Generation.Steps = daemonsLast(m.Generation.Steps)
	var out []Reverted
	for len(m.Generation.Steps) > 0 {
		last := len(m.Generation.Steps) - 1
		step := m.Generation.Steps[last]
		rv := Reverted{ID: step.Resource.ID(), Action: step.Action}
		if err := revertStep(kinds, m, step); err != nil {
			rv.Error = err.Error()
		}
		out = append(out, rv)
		m.Generation.Steps = m.Generation.Steps[:last]
		if err := m.Save(); err != nil {
			return out, err
		}
	}
	m.Generation = nil
	return out, m.Save()
}

// daemonKinds restart (or reload) when an update of theirs is put back.
var daemonKinds = map[string]bool{"service": true, "sysservice": true, "container": true}

// daemonsLast orders the steps so that a daemon that existed before is
// put back after everything else (steps are undone from the end): its
// reload or restart then reads the configuration files already put back.
// The order is the same however often it is applied, so a revert that
// was interrupted and runs again undoes the rest in the same order.
func daemonsLast(steps []RevertStep) []RevertStep {
	var daemons, others []RevertStep
	for _, st := range steps {
		if daemonKinds[st.Resource.Kind] && st.Existed && st.Action != core.Delete {
			daemons = append(daemons, st)
		} else {
			others = append(others, st)
		}
	}
	return append(daemons, others...)
}

func revertStep(kinds Kinds, m *Manifest, step RevertStep) error {
	k, err := kinds.Lookup(step.Resource)
	if err != nil {
		return err
	}
	id := step.Resource.ID()
	cur, recorded := m.Find(id)
	if !recorded {
		cur = ManifestEntry{Resource: step.Resource}
	}
	if step.Action != core.Delete && (!step.Existed || step.Action == core.Replace) {
		// It was made by the change (or replaced): take it away.
		if err := k.Delete(cur.Resource, cur.Saved); err != nil {
			return fmt.Errorf("%s: delete: %w", id, err)
		}
	}
	prior := step.Prior
	if step.Existed {
		saved, err := putBack(k, step, cur)
		if err != nil {
			return err
		}
		if prior != nil && daemonKinds[step.Resource.Kind] {
			// The daemon was started again now: its record is the new one.
			p := *prior
			p.Saved = saved
			prior = &p
		}
	}
	restoreEntry(m, id, prior)
	return nil
}

// putBack makes the resource what it was before the change: its former
// declaration (or the new one) with the attributes read back then.
func putBack(k Kind, step RevertStep, cur ManifestEntry) (map[string]string, error) {
	back := step.Resource
	saved := cur.Saved
	if step.Prior != nil && (step.Action == core.Delete || step.Action == core.Replace) {
		back, saved = step.Prior.Resource, step.Prior.Saved
	}
	back = WithDefaults(k, back)
	if daemonKinds[back.Kind] && step.Prior != nil && !step.Prior.Pending {
		// A daemon goes back to its former declaration: what it reads
		// back (a restart key marked as drifted while its config file
		// was already changed) is not a state to put back.
		back = WithDefaults(k, step.Prior.Resource)
	} else {
		for key, v := range step.Before {
			back.Attrs[key] = v
		}
	}
	for key, v := range back.Attrs {
		if IsSealed(v) {
			return nil, fmt.Errorf("%s: cannot put back: %s was not readable before the change", back.ID(), key)
		}
	}
	update := step.Action == core.Update
	out, err := k.Apply(back, update, saved)
	if err != nil {
		return nil, fmt.Errorf("%s: putting back: %w", back.ID(), err)
	}
	return out, nil
}

// restoreEntry sets the manifest entry of id back to prior (none: removed).
func restoreEntry(m *Manifest, id string, prior *ManifestEntry) {
	if prior == nil {
		m.Remove(id)
		return
	}
	if i := m.index(id); i >= 0 {
		m.Entries[i] = *prior
		return
	}
	m.Entries = append(m.Entries, *prior)
}

package host

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/drover/drover/core"
)

// Plan reads the actual state of every desired resource and of every
// manifest entry, and returns the changes that make the host match desired
// exactly: first deletes of manifest entries no longer desired (in reverse
// order of creation), then one change per desired resource in the given
// order, no-ops included. When owners is not empty, only manifest entries
// owned by nothing but those owners are deleted. The fingerprint
// summarises the state read (see Fingerprint).
func Plan(kinds Kinds, desired []core.Resource, m *Manifest, owners []string) ([]core.Change, string, error) {
	wanted := map[string]bool{}
	for _, r := range desired {
		if wanted[r.ID()] {
			return nil, "", fmt.Errorf("%s: declared twice in one plan (merge the owners into one resource)", r.ID())
		}
		wanted[r.ID()] = true
	}
	hash := sha256.New()
	var changes []core.Change
	for i := len(m.Entries) - 1; i >= 0; i-- {
		e := m.Entries[i]
		if wanted[e.Resource.ID()] || !deletable(e.Resource, owners) {
			continue
		}
		if err := observe(hash, kinds, e.Resource, e.Saved); err != nil {
			return nil, "", err
		}
		changes = append(changes, core.Change{Action: core.Delete, Resource: e.Resource})
	}
	for _, r := range desired {
		c, err := planOne(hash, kinds, r, m)
		if err != nil {
			return nil, "", err
		}
		changes = append(changes, c)
	}
	return changes, hex.EncodeToString(hash.Sum(nil)), nil
}

// Fingerprint reads the actual state of the resources of changes, in
// order, and hashes it as Plan does: equal to the plan's fingerprint when
// given all of the plan's changes (no-ops included) and nothing changed.
func Fingerprint(kinds Kinds, changes []core.Change, m *Manifest) (string, error) {
	hash := sha256.New()
	for _, c := range changes {
		r := c.Resource
		if c.Action != core.Delete {
			k, err := kinds.Lookup(r)
			if err != nil {
				return "", err
			}
			r = WithDefaults(k, r)
		}
		e, _ := m.Find(r.ID())
		if err := observe(hash, kinds, r, e.Saved); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(hash.Sum(nil)), nil
}

func deletable(r core.Resource, owners []string) bool {
	if len(owners) == 0 {
		return true
	}
	if len(r.Owners) == 0 {
		return false
	}
	for _, o := range r.Owners {
		if !contains(owners, o) {
			return false
		}
	}
	return true
}

func planOne(hash io.Writer, kinds Kinds, r core.Resource, m *Manifest) (core.Change, error) {
	k, err := kinds.Lookup(r)
	if err != nil {
		return core.Change{}, err
	}
	r = WithDefaults(k, r)
	e, _ := m.Find(r.ID())
	actual, exists, err := k.Read(r, e.Saved)
	if err != nil {
		return core.Change{}, fmt.Errorf("%s: read: %w", r.ID(), err)
	}
	takePrivate(&r, actual)
	writeObserved(hash, r.ID(), actual, exists)
	c := core.Change{Action: core.NoOp, Resource: r}
	if !exists {
		c.Action = core.Create
		describeChange(&c, createFields(r), nil)
		return c, nil
	}
	fields := Diff(r.Attrs, actual)
	if len(fields) == 0 {
		return c, nil
	}
	c.Action = core.Update
	for _, f := range fields {
		if contains(k.ReplaceOn(), f.Name) {
			c.Action = core.Replace
		}
	}
	describeChange(&c, fields, k.ReplaceOn())
	return c, nil
}

func observe(hash io.Writer, kinds Kinds, r core.Resource, saved map[string]string) error {
	k, err := kinds.Lookup(r)
	if err != nil {
		return err
	}
	actual, exists, err := k.Read(r, saved)
	if err != nil {
		return fmt.Errorf("%s: read: %w", r.ID(), err)
	}
	takePrivate(&r, actual)
	writeObserved(hash, r.ID(), actual, exists)
	return nil
}

func writeObserved(hash io.Writer, id string, actual map[string]string, exists bool) {
	fmt.Fprintf(hash, "%q %t\n", id, exists)
	for _, key := range core.SortedKeys(actual) {
		fmt.Fprintf(hash, "\t%q=%q\n", key, actual[key])
	}
}

// ApplyChange carries out one planned change and records the outcome in
// m (not saved: the caller saves after each change). No-ops only refresh
// the manifest entry, so that a resource drover adopted is deleted when it
// is no longer declared.
func ApplyChange(kinds Kinds, c core.Change, m *Manifest) error {
	return ApplyChangeJournaled(kinds, c, m, nil)
}

// ApplyChangeJournaled is ApplyChange that first records a create, update
// or replace in the manifest as pending and saves it (journal.go). hook,
// when set, is called with "during" right after that record is saved and
// with "made" once the change is made, before it is recorded as done (the
// helper's fault injection for tests).
//
// Its error does not repeat the resource's sensitive values: a failing
// command names its command line, which may hold a password.
func ApplyChangeJournaled(kinds Kinds, c core.Change, m *Manifest, hook func(stage string)) error {
	return core.HideError(applyChange(kinds, c, m, hook), c.Resource.SensitiveValues())
}

func applyChange(kinds Kinds, c core.Change, m *Manifest, hook func(stage string)) error {
	if hook == nil {
		hook = func(string) {}
	}
	r := c.Resource
	k, err := kinds.Lookup(r)
	if err != nil {
		return err
	}
	prev, recorded := m.Find(r.ID())
	switch c.Action {
	case core.NoOp:
		m.Record(r, prev.Saved)
		return nil
	case core.Delete:
		if err := m.saveBefore(k, c.Action, r, prev, recorded); err != nil {
			return err
		}
		if err := k.Delete(r, prev.Saved); err != nil {
			return fmt.Errorf("%s: delete: %w", r.ID(), err)
		}
		m.Remove(r.ID())
		return nil
	case core.Replace:
		old := r
		if recorded {
			old = prev.Resource
		}
		if err := m.saveBefore(k, c.Action, r, prev, recorded); err != nil {
			return err
		}
		if err := k.Delete(old, prev.Saved); err != nil {
			return fmt.Errorf("%s: replace: delete: %w", r.ID(), err)
		}
		m.Remove(r.ID())
		prev.Saved = nil
	case core.Create, core.Update:
	default:
		return fmt.Errorf("%s: unknown action %q", r.ID(), c.Action)
	}
	if err := checkKnown(r); err != nil {
		return err
	}
	if c.Action != core.Replace {
		if err := m.recordBefore(k, c.Action, r, prev, recorded); err != nil {
			return err
		}
	}
	pre := snapshot(k, r, prev.Saved)
	if err := m.journal(r, pre); err != nil {
		return fmt.Errorf("%s: recording the change before making it: %w", r.ID(), err)
	}
	hook("during")
	saved, err := k.Apply(r, c.Action == core.Update, pre)
	if err != nil {
		keepTrack(m, c.Action, r.ID(), prev, recorded)
		return fmt.Errorf("%s: %s: %w", r.ID(), c.Action, err)
	}
	hook("made")
	m.Record(r, saved)
	return nil
}

// keepTrack decides what the manifest keeps of a change that failed: a
// create or replace stays recorded as pending (it may have made part of
// the resource, which the next apply converges and a destroy removes); a
// failed update of something that existed before goes back to its former
// entry (or to none, when drover had not recorded it).
func keepTrack(m *Manifest, action core.Action, id string, prev ManifestEntry, recorded bool) {
	if action != core.Update {
		return
	}
	if !recorded {
		m.Remove(id)
		return
	}
	m.Entries[m.index(id)] = prev
}

func checkKnown(r core.Resource) error {
	for _, key := range core.SortedKeys(r.Attrs) {
		if r.Attrs[key] == core.Unknown {
			return fmt.Errorf("%s: attribute %s is still unknown at apply", r.ID(), key)
		}
	}
	return nil
}

package host

import (
	"fmt"

	"github.com/drover/drover/core"
)

// The manifest is also a write-ahead journal. Before a change touches the
// host, the resource is recorded as pending, with what its kind needs to
// undo it (Snapshotter), and the manifest is saved (fsynced); after the
// change it is recorded as applied. A helper killed half-way, or a full
// disk, therefore never leaves something made on the host that the
// manifest does not know: the next apply reads and converges it, a
// destroy (or a removed declaration) deletes it, with the snapshot to put
// back what was there before. The same record is what an automatic revert
// needs.

// Snapshotter is a Kind that can tell, before Apply changes anything, the
// saved data its Delete needs to undo the change (whether it creates the
// thing, the previous content or value), given the data saved so far.
type Snapshotter interface {
	Snapshot(r core.Resource, saved map[string]string) map[string]string
}

// snapshot merges what k records before a change into saved (a copy).
func snapshot(k Kind, r core.Resource, saved map[string]string) map[string]string {
	s, ok := k.(Snapshotter)
	if !ok {
		return saved
	}
	out := CopyAttrs(saved)
	for key, v := range s.Snapshot(r, saved) {
		if _, kept := out[key]; !kept {
			out[key] = v
		}
	}
	return out
}

// journal records r as pending with saved and writes the manifest.
func (m *Manifest) journal(r core.Resource, saved map[string]string) error {
	m.Record(r, saved)
	m.Entries[m.index(r.ID())].Pending = true
	return m.Save()
}

// saveBefore records, in an open generation, what r is before a delete or
// replace and saves the manifest before anything is removed.
func (m *Manifest) saveBefore(k Kind, action core.Action, r core.Resource, prev ManifestEntry, recorded bool) error {
	if m.Generation == nil {
		return nil
	}
	if err := m.recordBefore(k, action, r, prev, recorded); err != nil {
		return err
	}
	if err := m.Save(); err != nil {
		return fmt.Errorf("%s: recording the change before making it: %w", r.ID(), err)
	}
	return nil
}

package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host/safefs"
)

// ManifestEntry is one resource drover applied on this host, with the data
// its kind saved for later reads and for undoing it (a sysctl's previous
// value, an nftables table's hash).
type ManifestEntry struct {
	Resource core.Resource     `json:"resource"`
	Saved    map[string]string `json:"saved,omitempty"`
	// Pending is set while a change of the resource is under way (see
	// journal.go): it may exist on the host in part.
	Pending bool `json:"pending,omitempty"`
}

// Manifest is the ordered list of resources drover made on a host, kept in
// one JSON file that is replaced atomically on every change.
type Manifest struct {
	Path    string          `json:"-"`
	Version int             `json:"version"`
	Entries []ManifestEntry `json:"entries"`
	// Generation is the revert record of the apply under way or armed
	// (revert.go); nil when none is open.
	Generation *Generation `json:"generation,omitempty"`
}

// manifestVersion is the format version of manifest.json.
const manifestVersion = 1

// LoadManifest reads the manifest at path; a missing file is an empty
// manifest.
func LoadManifest(path string) (*Manifest, error) {
	m := &Manifest{Path: path, Version: manifestVersion}
	data, _, err := safefs.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("manifest %s: format version %d, this helper reads %d", path, m.Version, manifestVersion)
	}
	return m, nil
}

// Save writes the manifest atomically (temp file, fsync, rename).
func (m *Manifest) Save() error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("manifest %s: %w", m.Path, err)
	}
	dir, err := safefs.PrivateDir(filepath.Dir(m.Path), 0o700)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	defer dir.Close()
	if err := dir.WriteFile(filepath.Base(m.Path), append(data, '\n'), RootFile(0o600)); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// Find returns the entry with the given resource ID.
func (m *Manifest) Find(id string) (ManifestEntry, bool) {
	if i := m.index(id); i >= 0 {
		return m.Entries[i], true
	}
	return ManifestEntry{}, false
}

// Record adds r with its saved data, or replaces the entry of the same ID
// in place (keeping its position, which is the order of creation). The
// values of r's sensitive attributes are recorded only as salted digests
// (SealSecret).
func (m *Manifest) Record(r core.Resource, saved map[string]string) {
	i := m.index(r.ID())
	var prev core.Resource
	if i >= 0 {
		prev = m.Entries[i].Resource
	}
	e := ManifestEntry{Resource: sealed(r, prev), Saved: saved}
	if i >= 0 {
		m.Entries[i] = e
		return
	}
	m.Entries = append(m.Entries, e)
}

// Remove drops the entry with the given ID, if any.
func (m *Manifest) Remove(id string) {
	if i := m.index(id); i >= 0 {
		m.Entries = append(m.Entries[:i], m.Entries[i+1:]...)
	}
}

// Resources lists the recorded resources in order of creation.
func (m *Manifest) Resources() []core.Resource {
	out := make([]core.Resource, 0, len(m.Entries))
	for _, e := range m.Entries {
		out = append(out, e.Resource)
	}
	return out
}

func (m *Manifest) index(id string) int {
	for i, e := range m.Entries {
		if e.Resource.ID() == id {
			return i
		}
	}
	return -1
}

// WriteFileAtomic replaces path with data through its parent directory's
// descriptor (safefs.Dir.WriteFile): a fresh temporary file, created
// without following links, owned, moded, fsynced and checked through its
// own descriptor, then renamed over path. Missing parent directories are
// made root-owned 0755. On any failure path is untouched.
func WriteFileAtomic(path string, data []byte, o safefs.WriteOptions) error {
	return safefs.WriteFile(path, data, o)
}

// RootFile is how drover writes its own files: root-owned with mode.
func RootFile(mode uint32) safefs.WriteOptions {
	return safefs.WriteOptions{Mode: mode, UID: -1, GID: -1}
}

// Mkdirs makes sure the directory path exists, reached by a safe chase;
// the directories it creates are root-owned with mode perm.
func Mkdirs(path string, perm uint32) error {
	d, err := safefs.MkdirAll(path, perm)
	if err != nil {
		return err
	}
	return d.Close()
}

// ReadFile reads the regular file at path without following a link at it
// or an unsafe one before it (safefs).
func ReadFile(path string) ([]byte, error) {
	data, _, err := safefs.ReadFile(path)
	return data, err
}

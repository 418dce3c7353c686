package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ManifestEntry is one resource drover applied on this host, with the data
// its kind saved for later reads and for undoing it (a sysctl's previous
// value, an nftables table's hash).
type ManifestEntry struct {
	Resource Resource          `json:"resource"`
	Saved    map[string]string `json:"saved,omitempty"`
}

// Manifest is the ordered list of resources drover made on a host, kept in
// one JSON file that is replaced atomically on every change.
type Manifest struct {
	Path    string          `json:"-"`
	Version int             `json:"version"`
	Entries []ManifestEntry `json:"entries"`
}

// manifestVersion is the format version of manifest.json.
const manifestVersion = 1

// LoadManifest reads the manifest at path; a missing file is an empty
// manifest.
func LoadManifest(path string) (*Manifest, error) {
	m := &Manifest{Path: path, Version: manifestVersion}
	data, err := os.ReadFile(path)
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
	if err := os.MkdirAll(filepath.Dir(m.Path), 0o700); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if err := writeFileAtomic(m.Path, append(data, '\n'), 0o600, nil); err != nil {
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
// in place (keeping its position, which is the order of creation).
func (m *Manifest) Record(r Resource, saved map[string]string) {
	e := ManifestEntry{Resource: r, Saved: saved}
	if i := m.index(r.ID()); i >= 0 {
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
func (m *Manifest) Resources() []Resource {
	out := make([]Resource, 0, len(m.Entries))
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

// writeFileAtomic writes data to a temporary file next to path, lets
// prepare (may be nil) act on it (chown, validate), fsyncs it and renames
// it over path, so that readers see the old or the new file, never a part.
// On any failure the temporary file is removed and path is untouched.
func writeFileAtomic(path string, data []byte, mode os.FileMode, prepare func(tmp string) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".drover-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if prepare != nil {
		if err = prepare(tmp); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// symlinkKind makes sure a symbolic link points at a target.
//
// Name: the link's absolute path. Attributes:
//   - path: the link's absolute path (default: the resource name)
//   - target: what the link points at (absolute or relative to the
//     link's folder; need not exist)
//
// An existing file or directory at path is an error, never overwritten.
// The link is replaced atomically (a new link renamed over the old one).
type symlinkKind struct{}

func (symlinkKind) ReplaceOn() []string { return []string{"path"} }

func (symlinkKind) Defaults(r Resource) Resource {
	setDefault(r.Attrs, "path", r.Name)
	return r
}

func (symlinkKind) Read(r Resource, _ map[string]string) (map[string]string, bool, error) {
	path := r.Attrs["path"]
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		return nil, false, fmt.Errorf("%s exists and is not a symbolic link (%s); move it away first", path, describeMode(fi.Mode()))
	}
	target, err := os.Readlink(path)
	if err != nil {
		return nil, false, err
	}
	return map[string]string{"path": path, "target": target}, true, nil
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m.IsRegular():
		return "a regular file"
	}
	return m.Type().String()
}

func (symlinkKind) Apply(r Resource, _ bool, _ map[string]string) (map[string]string, error) {
	path, target := r.Attrs["path"], r.Attrs["target"]
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("path %q is not absolute", path)
	}
	if target == "" {
		return nil, fmt.Errorf("symlink %s: attribute target is empty", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".drover-link")
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return nil, nil
}

func (symlinkKind) Delete(r Resource, _ map[string]string) error {
	path := r.Attrs["path"]
	if path == "" {
		path = r.Name
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		return nil // something else took its place; not drover's
	}
	return os.Remove(path)
}

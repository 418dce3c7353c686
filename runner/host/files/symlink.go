package files

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
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

func (symlinkKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "path", r.Name)
	return r
}

func (symlinkKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	path := r.Attrs["path"]
	st, err := safefs.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		return nil, false, fmt.Errorf("%s exists and is not a symbolic link (%s); move it away first", path, describeType(st.Mode))
	}
	target, err := safefs.Readlink(path)
	if err != nil {
		return nil, false, err
	}
	return map[string]string{"path": path, "target": target}, true, nil
}

func (symlinkKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	path, target := r.Attrs["path"], r.Attrs["target"]
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("path %q is not absolute", path)
	}
	if target == "" {
		return nil, fmt.Errorf("symlink %s: attribute target is empty", path)
	}
	return nil, safefs.Symlink(target, path)
}

func (symlinkKind) Delete(r core.Resource, _ map[string]string) error {
	path := r.Attrs["path"]
	if path == "" {
		path = r.Name
	}
	st, err := safefs.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		return nil // something else took its place; not drover's
	}
	return safefs.Remove(path)
}

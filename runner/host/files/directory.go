package files

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// directoryKind makes sure a directory exists with mode and owner.
//
// Name: the absolute path. Attributes:
//   - path: the absolute path (default: the resource name)
//   - mode: octal permissions (default "0755")
//   - owner: "user[:group]" (default "root:root")
//   - purge: "true" makes Delete remove the directory with everything in
//     it; by default Delete removes it only when it is empty (what others
//     put there is not drover's to delete). Not compared.
//
// Saved: "created" ("true" when drover made the directory; Delete
// removes only those).
type directoryKind struct{}

func (directoryKind) ReplaceOn() []string { return []string{"path"} }

func (directoryKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "path", r.Name)
	host.SetDefault(r.Attrs, "mode", "0755")
	r = fileKind{}.Defaults(r) // normalises mode and owner
	return r
}

func (directoryKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	path := r.Attrs["path"]
	st, err := safefs.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil, false, fmt.Errorf("%s exists and is not a directory (%s)", path, describeType(st.Mode))
	}
	actual := map[string]string{"path": path, "mode": fmt.Sprintf("%04o", st.Mode&0o7777), "owner": ownerName(st.Uid, st.Gid)}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func (directoryKind) Apply(r core.Resource, actualExists bool, saved map[string]string) (map[string]string, error) {
	path := r.Attrs["path"]
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("path %q is not absolute", path)
	}
	mode, err := strconv.ParseUint(r.Attrs["mode"], 8, 32)
	if err != nil || mode > 0o7777 {
		return nil, fmt.Errorf("attribute mode=%q is not an octal mode", r.Attrs["mode"])
	}
	uid, gid, err := host.LookupOwner(r.Attrs["owner"])
	if err != nil {
		return nil, err
	}
	out := host.CopyAttrs(saved)
	created, err := safefs.Mkdir(path, uint32(mode), uid, gid)
	if created {
		out["created"] = "true"
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (directoryKind) Delete(r core.Resource, saved map[string]string) error {
	if saved["created"] != "true" {
		return nil
	}
	path := r.Attrs["path"]
	if path == "" {
		path = r.Name
	}
	if r.Attrs["purge"] == "true" {
		return safefs.RemoveAll(path)
	}
	err := safefs.Remove(path)
	if err == nil || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
		return nil
	}
	return err
}

// Snapshot records, before a change, what Delete needs to undo it
// (host.Snapshotter).
func (directoryKind) Snapshot(r core.Resource, _ map[string]string) map[string]string {
	if _, err := os.Lstat(r.Attrs["path"]); os.IsNotExist(err) {
		return map[string]string{"created": "true"}
	}
	return nil
}

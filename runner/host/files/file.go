package files

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// fileKind manages whole text files, written atomically (temporary file in
// the same folder, fsync, rename) with mode and owner.
//
// Name: the absolute path. Attributes:
//   - path: the absolute path (default: the resource name)
//   - content: the full text
//   - mode: octal permissions (default "0644")
//   - owner: "user[:group]" (default "root:root"; the group defaults to
//     the user's primary group)
//   - check: optional validator command line (split on spaces, no shell);
//     "{}" is replaced by the path of the new file before it replaces the
//     old one ("dnsmasq --test -C {}"). When it fails, the old file stays
//     and the error carries the validator's output. Never read back.
//   - restore: "true" keeps the file drover first replaced (content, mode,
//     owner) in the manifest, and Delete puts it back instead of removing
//     the file (a package's default config). Not compared.
//
// Saved (with restore): "previous", "previous_mode", "previous_owner", or
// "created" when there was no file before.
type fileKind struct{}

func (fileKind) ReplaceOn() []string { return []string{"path"} }

func (fileKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "path", r.Name)
	host.SetDefault(r.Attrs, "mode", "0644")
	host.SetDefault(r.Attrs, "owner", "root:root")
	if m, err := strconv.ParseUint(r.Attrs["mode"], 8, 32); err == nil {
		r.Attrs["mode"] = fmt.Sprintf("%04o", m)
	}
	if !strings.Contains(r.Attrs["owner"], ":") {
		if g := primaryGroup(r.Attrs["owner"]); g != "" {
			r.Attrs["owner"] += ":" + g
		}
	}
	return r
}

func (fileKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	path := r.Attrs["path"]
	content, st, err := readRegular(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	actual := map[string]string{
		"path":    path,
		"content": string(content),
		"mode":    fmt.Sprintf("%04o", st.Mode&0o7777),
		"owner":   ownerName(st.Uid, st.Gid),
	}
	return host.MarkPrivate(host.KeepKeys(actual, r.Attrs), st), true, nil
}

// readRegular reads the regular file at path without following a link at
// it (nor an unsafe one before it); anything else at path is an error
// that names what is there.
func readRegular(path string) ([]byte, unix.Stat_t, error) {
	st, err := safefs.Lstat(path)
	if err != nil {
		return nil, st, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, st, fmt.Errorf("%s exists and is not a regular file (%s)", path, describeType(st.Mode))
	}
	return safefs.ReadFile(path)
}

func (fileKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
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
	keep := keepPrevious(r, path, saved)
	o := safefs.WriteOptions{Mode: uint32(mode), UID: uid, GID: gid,
		Check: func(tmp string) error { return runCheck(r.Attrs["check"], tmp) }}
	if err := host.WriteFileAtomic(path, []byte(r.Attrs["content"]), o); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return keep, nil
}

// keepPrevious returns what a file with restore = "true" saves: the file
// it first replaced (kept from saved on later applies), else nil.
func keepPrevious(r core.Resource, path string, saved map[string]string) map[string]string {
	if r.Attrs["restore"] != "true" {
		return nil
	}
	if _, ok := saved["previous"]; ok || saved["created"] == "true" {
		return saved
	}
	content, st, err := readRegular(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{"created": "true"}
	}
	if err != nil {
		return nil
	}
	return map[string]string{"previous": string(content), "previous_mode": fmt.Sprintf("%04o", st.Mode&0o7777),
		"previous_owner": ownerName(st.Uid, st.Gid)}
}

func (fileKind) Delete(r core.Resource, saved map[string]string) error {
	path := r.Attrs["path"]
	if path == "" {
		path = r.Name
	}
	if previous, ok := saved["previous"]; ok {
		back := core.Resource{Kind: r.Kind, Name: r.Name, Attrs: map[string]string{
			"path": path, "content": previous, "mode": saved["previous_mode"], "owner": saved["previous_owner"]}}
		back = fileKind{}.Defaults(back)
		_, err := fileKind{}.Apply(back, true, nil)
		return err
	}
	return safefs.Remove(path)
}

func runCheck(check, tmp string) error {
	if strings.TrimSpace(check) == "" {
		return nil
	}
	line := strings.ReplaceAll(check, "{}", tmp)
	if _, err := host.RunShellFree(line); err != nil {
		return fmt.Errorf("check failed, old file left in place: %w", err)
	}
	return nil
}

// describeType names the type of a file from its stat mode.
func describeType(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFLNK:
		return "a symbolic link"
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "a device"
	}
	return "a regular file"
}

// goMode converts Unix permission bits, setuid/setgid/sticky included, to
// an os.FileMode.
func goMode(m uint32) os.FileMode {
	mode := os.FileMode(m & 0o777)
	if m&syscall.S_ISUID != 0 {
		mode |= os.ModeSetuid
	}
	if m&syscall.S_ISGID != 0 {
		mode |= os.ModeSetgid
	}
	if m&syscall.S_ISVTX != 0 {
		mode |= os.ModeSticky
	}
	return mode
}

func unixMode(m os.FileMode) uint32 {
	out := uint32(m.Perm())
	if m&os.ModeSetuid != 0 {
		out |= syscall.S_ISUID
	}
	if m&os.ModeSetgid != 0 {
		out |= syscall.S_ISGID
	}
	if m&os.ModeSticky != 0 {
		out |= syscall.S_ISVTX
	}
	return out
}

func ownerName(uid, gid uint32) string {
	userName := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(userName); err == nil {
		userName = u.Username
	}
	groupName := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(groupName); err == nil {
		groupName = g.Name
	}
	return userName + ":" + groupName
}

func primaryGroup(userName string) string {
	u, err := user.Lookup(userName)
	if err != nil {
		return ""
	}
	if g, err := user.LookupGroupId(u.Gid); err == nil {
		return g.Name
	}
	return ""
}

// Snapshot records, before a change, what Delete needs to undo it
// (host.Snapshotter).
func (fileKind) Snapshot(r core.Resource, saved map[string]string) map[string]string {
	return keepPrevious(r, r.Attrs["path"], saved)
}

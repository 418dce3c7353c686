package safefs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// These functions take an absolute path, open its parent by a safe chase
// and act on the last component through the parent's descriptor.

// split returns the parent directory and the last component of an
// absolute path.
func split(p string) (string, string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", "", fmt.Errorf("%s: not an absolute path", p)
	}
	dir, name := path.Split(strings.TrimRight(p, "/"))
	if name == "" || name == "." || name == ".." {
		return "", "", fmt.Errorf("%s: not a path to a file", p)
	}
	if len(dir) > 1 {
		dir = strings.TrimRight(dir, "/")
	}
	return dir, name, nil
}

// parent opens the parent of p (creating it root-owned 0755 when create)
// and returns it with p's last component.
func parent(p string, create bool) (*Dir, string, error) {
	dir, name, err := split(p)
	if err != nil {
		return nil, "", err
	}
	var d *Dir
	if create {
		d, err = MkdirAll(dir, 0o755)
	} else {
		d, err = OpenDir(dir)
	}
	return d, name, err
}

// WriteFile replaces the file at p atomically (see Dir.WriteFile),
// creating missing parent directories root-owned 0755.
func WriteFile(p string, data []byte, o WriteOptions) error {
	d, name, err := parent(p, true)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.WriteFile(name, data, o)
}

// ReadFile reads the regular file at p; a link at p is refused.
func ReadFile(p string) ([]byte, unix.Stat_t, error) {
	d, name, err := parent(p, false)
	if err != nil {
		return nil, unix.Stat_t{}, err
	}
	defer d.Close()
	return d.ReadFile(name)
}

// Lstat returns the status of p without following a link at p.
func Lstat(p string) (unix.Stat_t, error) {
	d, name, err := parent(p, false)
	if err != nil {
		return unix.Stat_t{}, err
	}
	defer d.Close()
	return d.Stat(name)
}

// OpenFile opens the regular file at p with flags (see Dir.OpenFile),
// creating missing parent directories when flags has O_CREAT.
func OpenFile(p string, flags int, perm uint32) (*os.File, error) {
	d, name, err := parent(p, flags&unix.O_CREAT != 0)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	f, _, err := d.OpenFile(name, flags, perm)
	return f, err
}

// Remove removes the file, link or empty directory at p; a missing p
// (or parent) is not an error.
func Remove(p string) error {
	return inParentIfAny(p, (*Dir).Remove)
}

// RemoveAll removes p and everything beneath it without following links;
// a missing p is not an error.
func RemoveAll(p string) error {
	return inParentIfAny(p, (*Dir).RemoveAll)
}

// inParentIfAny runs op on p's last component in p's parent, when the
// parent exists.
func inParentIfAny(p string, op func(*Dir, string) error) error {
	d, name, err := parent(p, false)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer d.Close()
	return op(d, name)
}

// Symlink makes p a link to target (see Dir.Symlink).
func Symlink(target, p string) error {
	d, name, err := parent(p, true)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Symlink(target, name)
}

// Readlink returns the target of the link at p.
func Readlink(p string) (string, error) {
	d, name, err := parent(p, false)
	if err != nil {
		return "", err
	}
	defer d.Close()
	return d.Readlink(name)
}

// Mkdir makes sure p is a directory with mode perm owned by uid:gid
// (see Dir.Mkdir), creating missing parents root-owned 0755.
func Mkdir(p string, perm uint32, uid, gid int) (bool, error) {
	d, name, err := parent(p, true)
	if err != nil {
		return false, err
	}
	defer d.Close()
	return d.Mkdir(name, perm, uid, gid)
}

// PrivateDir opens (creating it when missing) a directory that only root
// may change, such as drover's own state directory: it and every
// directory before it must be real directories (no links), owned by root
// (or by the user drover runs as) and not writable by group or others
// unless sticky (as /tmp, where nobody else can replace the next
// directory, whose owner is checked in turn). Anything else is refused with the
// commands that fix it, because another user could otherwise replace the
// files drover keeps and runs there.
func PrivateDir(p string, perm uint32) (*Dir, error) {
	if !strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return nil, fmt.Errorf("%s: not an absolute clean path", p)
	}
	cur := "/"
	d, err := OpenDir("/")
	if err != nil {
		return nil, err
	}
	if err := d.checkPrivate(); err != nil {
		d.Close()
		return nil, err
	}
	for _, name := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if name == "" {
			continue
		}
		if _, err := d.Stat(name); errors.Is(err, os.ErrNotExist) {
			if _, err := d.Mkdir(name, perm, 0, 0); err != nil {
				d.Close()
				return nil, err
			}
		}
		next, err := d.sub(name)
		d.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: %s must be a directory, not a symbolic link: %v", ErrUnsafe, path.Join(cur, name), err)
		}
		cur = path.Join(cur, name)
		d = next
		if err := d.checkPrivate(); err != nil {
			d.Close()
			return nil, err
		}
	}
	d.path = p
	return d, nil
}

func (d *Dir) checkPrivate() error {
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil {
		return err
	}
	mine := st.Uid == 0 || int(st.Uid) == os.Geteuid()
	shared := st.Mode&0o022 != 0 && st.Mode&unix.S_ISVTX == 0
	if !mine || shared {
		return fmt.Errorf("%w: %s is owned by uid %d with mode %04o; drover keeps its helper and state beneath it and needs it owned by root and not writable by group or others (unless sticky, as /tmp): check its content, then run `chown root:root %s && chmod go-w %s`",
			ErrUnsafe, d.path, st.Uid, st.Mode&0o7777, d.path, d.path)
	}
	return nil
}

// Package safefs reads, writes and removes files the way a root process
// must when other users can write somewhere along the path.
//
// drover runs as root on servers whose directories may belong to other
// users (an application's data directory, /tmp, a container's root file
// system). Any path-based operation after a check (chown, chmod, rename,
// open) can then be redirected by a symbolic link swapped in between, so
// that root changes a file the user could not. This package never acts
// on a path twice:
//
//   - A directory is reached by a safe chase from "/": one component at a
//     time, each opened relative to the previous one with O_NOFOLLOW. A
//     symbolic link on the way is followed only when it is owned by root
//     and it and every directory before it are root-owned and not
//     writable by group or others (systemd's CHASE_SAFE rule: Debian's
//     /var/run and the merged /usr links are followed; a link in /tmp or
//     in a directory owned by an application user is refused).
//   - The directory is then held as a file descriptor (Dir); a file in it
//     is created with O_CREAT|O_EXCL|O_NOFOLLOW under a fresh random name,
//     written, chowned, chmodded and fsynced through its own descriptor,
//     and renamed into place with renameat. A symbolic link at the final
//     component is never followed: it is replaced or refused.
//
// The package is Linux-only (it is part of the helper, the only code that
// touches a server's kernel).
package safefs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// maxSymlinks is how many symbolic links one chase follows before it gives
// up (the kernel's own limit is 40).
const maxSymlinks = 40

// ErrUnsafe marks a path that could be redirected by a user other than
// root: a symbolic link in a directory such a user can write, or a
// directory that is not what drover needs it to be.
var ErrUnsafe = errors.New("unsafe path")

// Dir is an open directory reached by a safe chase. Operations on names
// in it never follow a symbolic link at the name.
type Dir struct {
	fd      int
	path    string
	trusted bool
}

// Path is the path the directory was opened by.
func (d *Dir) Path() string { return d.path }

// Trusted reports whether the directory and every directory before it
// are root-owned and not writable by group or others.
func (d *Dir) Trusted() bool { return d.trusted }

// Close releases the directory's descriptor.
func (d *Dir) Close() error {
	if d == nil || d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// OpenDir opens the existing directory path by a safe chase.
func OpenDir(path string) (*Dir, error) {
	return chase(path, false, 0)
}

// MkdirAll opens the directory path by a safe chase, creating missing
// directories root-owned with mode perm on the way.
func MkdirAll(path string, perm uint32) (*Dir, error) {
	return chase(path, true, perm)
}

// step is one directory of a chase: its descriptor and whether it and
// every directory before it are safe places to follow a link from.
type step struct {
	fd      int
	trusted bool
}

func chase(path string, create bool, perm uint32) (*Dir, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%s: not an absolute path", path)
	}
	root, err := openRoot()
	if err != nil {
		return nil, err
	}
	stack := []step{root}
	closeAll := func() {
		for _, s := range stack {
			unix.Close(s.fd)
		}
	}
	todo := splitPath(path)
	hops := 0
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			if len(stack) > 1 {
				unix.Close(stack[len(stack)-1].fd)
				stack = stack[:len(stack)-1]
			}
			continue
		}
		top := stack[len(stack)-1]
		next, link, err := enter(top, name, create, perm)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if link == "" {
			stack = append(stack, next)
			continue
		}
		if hops++; hops > maxSymlinks {
			closeAll()
			return nil, fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		if strings.HasPrefix(link, "/") {
			for _, s := range stack[1:] {
				unix.Close(s.fd)
			}
			stack = stack[:1]
		}
		todo = append(splitPath(link), todo...)
	}
	top := stack[len(stack)-1]
	for _, s := range stack[:len(stack)-1] {
		unix.Close(s.fd)
	}
	return &Dir{fd: top.fd, path: path, trusted: top.trusted}, nil
}

func openRoot() (step, error) {
	fd, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return step{}, fmt.Errorf("open /: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return step{}, err
	}
	return step{fd: fd, trusted: safeOwner(st)}, nil
}

// enter opens name in dir. It returns the opened directory, or the target
// of name when name is a symbolic link that may be followed.
func enter(dir step, name string, create bool, perm uint32) (step, string, error) {
	for attempt := 0; attempt < 3; attempt++ {
		var st unix.Stat_t
		err := unix.Fstatat(dir.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if errors.Is(err, unix.ENOENT) && create {
			if err := unix.Mkdirat(dir.fd, name, perm); err != nil && !errors.Is(err, unix.EEXIST) {
				return step{}, "", fmt.Errorf("mkdir %s: %w", name, err)
			} else if err == nil {
				if err := fixNewDir(dir.fd, name, perm); err != nil {
					return step{}, "", err
				}
			}
			continue
		}
		if err != nil {
			return step{}, "", fmt.Errorf("%s: %w", name, asNotExist(err))
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			target, err := followable(dir, name, st)
			return step{}, target, err
		case unix.S_IFDIR:
		default:
			return step{}, "", fmt.Errorf("%s: not a directory", name)
		}
		fd, err := unix.Openat(dir.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ENOENT) {
			continue // replaced between the stat and the open: look again
		}
		if err != nil {
			return step{}, "", fmt.Errorf("%s: %w", name, err)
		}
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return step{}, "", err
		}
		return step{fd: fd, trusted: dir.trusted && safeOwner(st)}, "", nil
	}
	return step{}, "", fmt.Errorf("%s: %w: it keeps changing while drover opens it", name, ErrUnsafe)
}

// fixNewDir gives a directory the chase just made its exact mode (mkdir
// honours the umask).
func fixNewDir(dirfd int, name string, perm uint32) error {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil // replaced already; the next look decides
	}
	defer unix.Close(fd)
	return unix.Fchmod(fd, perm)
}

// followable returns the target of the link name in dir when the chase
// may follow it.
func followable(dir step, name string, st unix.Stat_t) (string, error) {
	if !dir.trusted || st.Uid != 0 {
		return "", fmt.Errorf("%w: refusing to follow the symbolic link %s: it or a directory before it can be changed by a user other than root", ErrUnsafe, name)
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dir.fd, name, buf)
	if err != nil {
		return "", fmt.Errorf("readlink %s: %w", name, err)
	}
	if n == 0 {
		return "", fmt.Errorf("%s: empty symbolic link", name)
	}
	return string(buf[:n]), nil
}

// safeOwner reports whether a directory is root-owned and not writable by
// group or others.
func safeOwner(st unix.Stat_t) bool {
	return st.Uid == 0 && st.Mode&0o022 == 0
}

func splitPath(p string) []string {
	return strings.Split(p, "/")
}

// asNotExist maps ENOENT to an error that matches os.ErrNotExist.
func asNotExist(err error) error {
	if errors.Is(err, unix.ENOENT) {
		return os.ErrNotExist
	}
	return err
}

// validName refuses a name that is not one component of a path.
func validName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') || strings.ContainsRune(name, 0) {
		return fmt.Errorf("%q is not a file name", name)
	}
	return nil
}

// Stat returns name's status without following a link at name.
func (d *Dir) Stat(name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	if err := validName(name); err != nil {
		return st, err
	}
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, fmt.Errorf("%s: %w", d.join(name), asNotExist(err))
	}
	return st, nil
}

// Open opens the regular file name for reading; a link, a FIFO or a
// device at name is refused.
func (d *Dir) Open(name string) (*os.File, unix.Stat_t, error) {
	return d.OpenFile(name, unix.O_RDONLY, 0)
}

// OpenFile opens the regular file name with flags (O_NOFOLLOW and
// O_CLOEXEC are added; with O_CREAT a new file gets mode perm). Anything
// but a regular file at name is refused.
func (d *Dir) OpenFile(name string, flags int, perm uint32) (*os.File, unix.Stat_t, error) {
	var st unix.Stat_t
	if err := validName(name); err != nil {
		return nil, st, err
	}
	fd, err := unix.Openat(d.fd, name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, perm)
	if errors.Is(err, unix.ELOOP) {
		return nil, st, fmt.Errorf("%s: %w: it is a symbolic link", d.join(name), ErrUnsafe)
	}
	if err != nil {
		return nil, st, fmt.Errorf("%s: %w", d.join(name), asNotExist(err))
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, st, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, st, fmt.Errorf("%s: exists and is not a regular file", d.join(name))
	}
	if err := clearNonblock(fd); err != nil {
		unix.Close(fd)
		return nil, st, err
	}
	return os.NewFile(uintptr(fd), d.join(name)), st, nil
}

func clearNonblock(fd int) error {
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags&^unix.O_NONBLOCK)
	return err
}

// ReadFile reads the regular file name.
func (d *Dir) ReadFile(name string) ([]byte, unix.Stat_t, error) {
	f, st, err := d.Open(name)
	if err != nil {
		return nil, st, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	return data, st, err
}

// WriteOptions say how WriteFile leaves a file.
type WriteOptions struct {
	// Mode is the file's permission bits, setuid/setgid/sticky included.
	Mode uint32
	// UID and GID own the file; -1 leaves the creator's (root).
	UID, GID int
	// Check, when set, runs on the complete new file (by the path of its
	// temporary name) before it replaces the old one; an error keeps the
	// old file.
	Check func(tmpPath string) error
}

// WriteFile replaces name atomically with data: a new file under a random
// name, created exclusively without following links, is written, owned,
// moded and fsynced through its descriptor, checked, and renamed over
// name (a link at name is replaced, never followed).
func (d *Dir) WriteFile(name string, data []byte, o WriteOptions) (err error) {
	if err := validName(name); err != nil {
		return err
	}
	tmp, err := tempName(name)
	if err != nil {
		return err
	}
	fd, err := unix.Openat(d.fd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", d.join(tmp), err)
	}
	f := os.NewFile(uintptr(fd), d.join(tmp))
	defer func() {
		if err != nil {
			d.removeIfSame(tmp, f)
		}
		f.Close()
	}()
	if err = fill(f, data, o); err != nil {
		return err
	}
	if o.Check != nil {
		if err = o.Check(d.join(tmp)); err != nil {
			return err
		}
	}
	if err = d.sameFile(tmp, f); err != nil {
		return err
	}
	if err = unix.Renameat(d.fd, tmp, d.fd, name); err != nil {
		return fmt.Errorf("rename into %s: %w", d.join(name), err)
	}
	return unix.Fsync(d.fd)
}

// fill writes data to f and gives it its owner and mode (the owner first:
// chown clears setuid bits).
func fill(f *os.File, data []byte, o WriteOptions) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	fd := int(f.Fd())
	if o.UID >= 0 || o.GID >= 0 {
		if err := unix.Fchown(fd, o.UID, o.GID); err != nil {
			return fmt.Errorf("chown %s: %w", f.Name(), err)
		}
	}
	if err := unix.Fchmod(fd, o.Mode); err != nil {
		return fmt.Errorf("chmod %s: %w", f.Name(), err)
	}
	return f.Sync()
}

// sameFile makes sure the entry tmp is still the file f (a user who can
// write the directory may have swapped it while the check ran).
func (d *Dir) sameFile(tmp string, f *os.File) error {
	var have, want unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &want); err != nil {
		return err
	}
	if err := unix.Fstatat(d.fd, tmp, &have, unix.AT_SYMLINK_NOFOLLOW); err != nil || have.Dev != want.Dev || have.Ino != want.Ino {
		return fmt.Errorf("%s: %w: the new file was replaced by someone else before it was moved into place", d.join(tmp), ErrUnsafe)
	}
	return nil
}

func (d *Dir) removeIfSame(tmp string, f *os.File) {
	if d.sameFile(tmp, f) == nil {
		unix.Unlinkat(d.fd, tmp, 0)
	}
}

// tempName is a fresh hidden name beside name.
func tempName(name string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return "." + name + ".drover-" + hex.EncodeToString(b[:]), nil
}

// Remove removes the file or link name (never what a link points to); a
// missing name is not an error.
func (d *Dir) Remove(name string) error {
	if err := validName(name); err != nil {
		return err
	}
	err := unix.Unlinkat(d.fd, name, 0)
	if errors.Is(err, unix.EISDIR) {
		err = unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR)
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove %s: %w", d.join(name), err)
	}
	return nil
}

// RemoveAll removes name and, when it is a directory, everything in it,
// without following any link; a missing name is not an error.
func (d *Dir) RemoveAll(name string) error {
	st, err := d.Stat(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return d.Remove(name)
	}
	sub, err := d.sub(name)
	if err != nil {
		return err
	}
	if err := sub.removeChildren(); err != nil {
		sub.Close()
		return err
	}
	sub.Close()
	return d.Remove(name)
}

func (d *Dir) removeChildren() error {
	f, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", d.fd))
	if err != nil {
		return err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := d.RemoveAll(n); err != nil {
			return err
		}
	}
	return nil
}

// sub opens the directory name in d without following a link.
func (d *Dir) sub(name string) (*Dir, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.join(name), asNotExist(err))
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &Dir{fd: fd, path: d.join(name), trusted: d.trusted && safeOwner(st)}, nil
}

// Mkdir makes sure name is a directory (never a link to one) with mode
// perm, owned by uid:gid (-1 keeps an owner), changing it through its own
// descriptor. It reports whether it created the directory.
func (d *Dir) Mkdir(name string, perm uint32, uid, gid int) (bool, error) {
	if err := validName(name); err != nil {
		return false, err
	}
	created := false
	if err := unix.Mkdirat(d.fd, name, 0o700); err == nil {
		created = true
	} else if !errors.Is(err, unix.EEXIST) {
		return false, fmt.Errorf("mkdir %s: %w", d.join(name), err)
	}
	sub, err := d.sub(name)
	if err != nil {
		return created, fmt.Errorf("%w (a symbolic link or a file is in the way)", err)
	}
	defer sub.Close()
	if uid >= 0 || gid >= 0 {
		if err := unix.Fchown(sub.fd, uid, gid); err != nil {
			return created, fmt.Errorf("chown %s: %w", sub.path, err)
		}
	}
	if err := unix.Fchmod(sub.fd, perm); err != nil {
		return created, fmt.Errorf("chmod %s: %w", sub.path, err)
	}
	return created, nil
}

// Readlink returns the target of the link name.
func (d *Dir) Readlink(name string) (string, error) {
	if err := validName(name); err != nil {
		return "", err
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(d.fd, name, buf)
	if err != nil {
		return "", fmt.Errorf("readlink %s: %w", d.join(name), asNotExist(err))
	}
	return string(buf[:n]), nil
}

// Symlink makes name a link to target, atomically replacing whatever
// file or link is at name.
func (d *Dir) Symlink(target, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	tmp, err := tempName(name)
	if err != nil {
		return err
	}
	if err := unix.Symlinkat(target, d.fd, tmp); err != nil {
		return fmt.Errorf("symlink %s: %w", d.join(tmp), err)
	}
	if err := unix.Renameat(d.fd, tmp, d.fd, name); err != nil {
		unix.Unlinkat(d.fd, tmp, 0)
		return fmt.Errorf("rename into %s: %w", d.join(name), err)
	}
	return nil
}

// Sub opens the directory rel (a relative path of plain components)
// beneath d without following any symbolic link, creating missing
// directories with mode perm when create is set. It is how drover writes
// into a tree that belongs to someone else, such as a container's root
// file system.
func (d *Dir) Sub(rel string, create bool, perm uint32) (*Dir, error) {
	cur := d
	for _, name := range strings.Split(rel, "/") {
		if name == "" || name == "." {
			continue
		}
		if err := validName(name); err != nil {
			closeIfNot(cur, d)
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		if create {
			if err := unix.Mkdirat(cur.fd, name, perm); err != nil && !errors.Is(err, unix.EEXIST) {
				closeIfNot(cur, d)
				return nil, fmt.Errorf("mkdir %s: %w", cur.join(name), err)
			}
		}
		next, err := cur.sub(name)
		closeIfNot(cur, d)
		if err != nil {
			return nil, fmt.Errorf("%w (symbolic links are not followed here)", err)
		}
		cur = next
	}
	if cur == d {
		return d.sub(".")
	}
	return cur, nil
}

// join is the path of name in d.
func (d *Dir) join(name string) string {
	if strings.HasSuffix(d.path, "/") {
		return d.path + name
	}
	return d.path + "/" + name
}

func closeIfNot(cur, keep *Dir) {
	if cur != keep {
		cur.Close()
	}
}

// Rename renames from to to within the directory, replacing to; it fails
// with an error that matches os.ErrNotExist when from is missing, so two
// processes can race for a file and exactly one wins.
func (d *Dir) Rename(from, to string) error {
	if err := validName(from); err != nil {
		return err
	}
	if err := validName(to); err != nil {
		return err
	}
	if err := unix.Renameat(d.fd, from, d.fd, to); err != nil {
		return fmt.Errorf("rename %s: %w", d.join(from), asNotExist(err))
	}
	return nil
}

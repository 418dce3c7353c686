package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Named network namespaces, kept where iproute2 keeps them so that
// `ip netns` and `ip -n` work on lab namespaces.

func netnsPath(name string) string { return filepath.Join(netnsDir, name) }

// netnsExists reports whether name is a live named network namespace (its
// file is an nsfs bind mount, not a leftover empty file).
func netnsExists(name string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(netnsPath(name), &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// ensureNetns creates the named network namespace unless it exists and
// reports whether it did.
func ensureNetns(name string) (bool, error) {
	if netnsExists(name) {
		return false, nil
	}
	if err := shareNetnsDir(); err != nil {
		return false, err
	}
	path := netnsPath(name)
	_ = unix.Unmount(path, unix.MNT_DETACH) // a leftover of a crash, if any
	_ = os.Remove(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return false, fmt.Errorf("create network namespace %s: %w", name, err)
	}
	f.Close()
	err = onLockedThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return err
		}
		self := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
		return unix.Mount(self, path, "none", unix.MS_BIND, "")
	})
	if err != nil {
		os.Remove(path)
		return false, fmt.Errorf("create network namespace %s: %w", name, err)
	}
	return true, nil
}

// shareNetnsDir makes /run/netns a shared mount point, as `ip netns add`
// does, so that deleting a namespace also unmounts its copies in other
// mount namespaces and the kernel can free it.
func shareNetnsDir() error {
	if err := os.MkdirAll(netnsDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", netnsDir, err)
	}
	// Two labs starting at once must not both bind the directory.
	dir, err := os.Open(netnsDir)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := unix.Flock(int(dir.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", netnsDir, err)
	}
	err = unix.Mount("", netnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if !errors.Is(err, unix.EINVAL) {
		return wrapErr(err, "make %s shared", netnsDir)
	}
	// Not a mount point yet: make it one, then share it.
	if err := unix.Mount(netnsDir, netnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", netnsDir, err)
	}
	return wrapErr(unix.Mount("", netnsDir, "none", unix.MS_SHARED|unix.MS_REC, ""), "make %s shared", netnsDir)
}

// deleteNetns removes a named network namespace; a missing one is fine.
// The kernel frees the namespace once no process or mount uses it.
func deleteNetns(name string) error {
	path := netnsPath(name)
	err := unix.Unmount(path, unix.MNT_DETACH)
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("delete network namespace %s: %w", name, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete network namespace %s: %w", name, err)
	}
	return nil
}

// listNetns lists the named network namespaces starting with prefix.
func listNetns(prefix string) ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list network namespaces: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// nsInode identifies a namespace file (or /proc/PID/ns/*) by its inode.
func nsInode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// inNetns runs fn on an OS thread that is inside the named network
// namespace. Sockets fn creates belong to that namespace for their whole
// life and may be used from any goroutine afterwards; processes fn starts
// begin in it.
func inNetns(name string, fn func() error) error {
	target, err := netns.GetFromPath(netnsPath(name))
	if err != nil {
		return fmt.Errorf("open network namespace %s: %w", name, err)
	}
	defer target.Close()
	return onLockedThread(func() error {
		if err := netns.Set(target); err != nil {
			return fmt.Errorf("enter network namespace %s: %w", name, err)
		}
		return fn()
	})
}

// onLockedThread runs fn on a dedicated OS thread and puts the thread back
// into the original network namespace afterwards. If that fails the
// thread is left locked, so the Go runtime discards it instead of reusing
// a thread in the wrong namespace.
func onLockedThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("get current network namespace: %w", err)
			return
		}
		defer orig.Close()
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			errc <- fmt.Errorf("restore network namespace: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// wrapErr is fmt.Errorf(format+": %w", args..., err), or nil for a nil err.
func wrapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

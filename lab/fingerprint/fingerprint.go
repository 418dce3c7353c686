// Package fingerprint records what a namespace lab must never change on
// the machine it runs on, so that a test can compare the machine before
// and after the lab suites: every file, directory and link below a set of
// roots (type, mode, owner, size, content hash, link target; one file
// system per root: mounts below a root are not entered) and every
// readable /proc/sys key of the calling process's namespaces, except the
// paths and keys that change on their own (Options).
//
// Hashing a whole /usr takes seconds, so Take can reuse the hashes of an
// earlier snapshot: a file whose device, inode, size, mtime and ctime are
// unchanged kept its content (the kernel sets ctime on every change of
// content or metadata, and no system call sets it back).
package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Options say what a snapshot covers.
type Options struct {
	// Roots are the directories walked (absolute).
	Roots []string
	// Skip are absolute paths not recorded, nor anything below them.
	Skip []string
	// ProcSys is the sysctl tree ("/proc/sys"); "" records no keys.
	ProcSys string
	// Volatile are /proc/sys keys, as paths relative to ProcSys, not
	// recorded (with everything below them): counters and the like.
	Volatile []string
}

// Machine is what the lab suites check: /etc, /opt, /srv, /usr and /var
// and every kernel setting. Skipped, because the machine changes them
// whatever a lab does: the VM tier's image cache (/var/cache/drover, built
// by `drover lab image`), and the kernel's counters and random values.
func Machine() Options {
	return Options{
		Roots:   []string{"/etc", "/opt", "/srv", "/usr", "/var"},
		Skip:    []string{"/var/cache/drover"},
		ProcSys: "/proc/sys",
		Volatile: []string{
			"fs/dentry-state", "fs/file-nr", "fs/inode-nr", "fs/inode-state", "fs/aio-nr",
			"fs/quota", "fs/binfmt_misc", "kernel/random", "kernel/ns_last_pid", "kernel/pty/nr",
			"kernel/perf_event_max_sample_rate", "net/netfilter/nf_conntrack_count",
		},
	}
}

// Entry is one recorded path.
type Entry struct {
	Mode fs.FileMode
	UID  uint32
	GID  uint32
	Size int64  // regular files
	Hash string // SHA-256 of a regular file's content
	Link string // a symbolic link's target
	// stamp is what tells an unchanged file: device, inode, size, mtime
	// and ctime.
	stamp [6]int64
}

func (e Entry) String() string {
	s := fmt.Sprintf("%v %d:%d", e.Mode, e.UID, e.GID)
	switch {
	case e.Mode.IsRegular():
		s += fmt.Sprintf(" %d bytes sha256:%.16s", e.Size, e.Hash)
	case e.Mode&fs.ModeSymlink != 0:
		s += " -> " + e.Link
	}
	return s
}

// Snapshot is the recorded state.
type Snapshot struct {
	Files  map[string]Entry
	Sysctl map[string]string
	// Errors are the paths that could not be read (they vanished while
	// walking, or the kernel refused): they are compared like values.
	Errors map[string]string
}

// Take records the machine as o says. Hashes of files unchanged since
// prev (may be nil) are taken from prev.
func Take(o Options, prev *Snapshot) (*Snapshot, error) {
	s := &Snapshot{Files: map[string]Entry{}, Sysctl: map[string]string{}, Errors: map[string]string{}}
	var files []string
	for _, root := range o.Roots {
		fs, err := s.walk(root, o.Skip)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	s.hashFiles(files, prev)
	if o.ProcSys != "" {
		if err := s.readSysctl(o.ProcSys, o.Volatile); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// walk records root and below, within root's file system, and returns
// the regular files, still to hash.
func (s *Snapshot) walk(root string, skip []string) ([]string, error) {
	rootInfo, err := os.Lstat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rootDev := statOf(rootInfo).Dev
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			s.Errors[path] = errText(err)
			return nil
		}
		if skipped(path, skip) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			s.Errors[path] = errText(err)
			return nil
		}
		st := statOf(fi)
		if d.IsDir() && path != root && st.Dev != rootDev {
			return filepath.SkipDir // another file system mounted here
		}
		e := Entry{Mode: fi.Mode(), UID: st.Uid, GID: st.Gid,
			stamp: [6]int64{int64(st.Dev), int64(st.Ino), st.Size, st.Mtim.Nano(), st.Ctim.Nano(), 0}}
		switch {
		case fi.Mode().IsRegular():
			e.Size = fi.Size()
			files = append(files, path)
		case fi.Mode()&fs.ModeSymlink != 0:
			e.Link, _ = os.Readlink(path)
		}
		s.Files[path] = e
		return nil
	})
	return files, err
}

func skipped(path string, skip []string) bool {
	for _, p := range skip {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

func statOf(fi fs.FileInfo) *syscall.Stat_t {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st
	}
	return &syscall.Stat_t{}
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// hashFiles fills in the hashes of files, on all CPUs.
func (s *Snapshot) hashFiles(files []string, prev *Snapshot) {
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range work {
				mu.Lock()
				e := s.Files[path]
				mu.Unlock()
				if prev != nil {
					if old, ok := prev.Files[path]; ok && old.stamp == e.stamp && old.Hash != "" {
						e.Hash = old.Hash
					}
				}
				var err error
				if e.Hash == "" {
					e.Hash, err = hashFile(path)
				}
				mu.Lock()
				if err != nil {
					s.Errors[path] = errText(err)
				}
				s.Files[path] = e
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
}

func hashFile(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOATIME|syscall.O_NONBLOCK, 0)
	if err != nil {
		f, err = os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readSysctl records every readable key below dir but the volatile ones.
func (s *Snapshot) readSysctl(dir string, volatile []string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, path)
		if err != nil {
			s.Errors["sysctl:"+rel] = errText(err)
			return nil
		}
		if skipped(rel, volatile) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil || fi.Mode().Perm()&0o444 == 0 {
			return nil // write-only (net.ipv4.route.flush...)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil // a key that cannot be read (EIO, EINVAL) carries no value
		}
		s.Sysctl[strings.ReplaceAll(rel, "/", ".")] = strings.Join(strings.Fields(string(data)), " ")
		return nil
	})
}

// Diff lists the differences from a to b, one line each, sorted: "+ path"
// (new), "- path" (gone), "~ path: old => new" (changed); sysctls as
// "sysctl KEY".
func Diff(a, b *Snapshot) []string {
	var out []string
	out = append(out, diffMaps(a.Files, b.Files, "")...)
	out = append(out, diffMaps(a.Sysctl, b.Sysctl, "sysctl ")...)
	out = append(out, diffMaps(a.Errors, b.Errors, "unreadable ")...)
	sort.Strings(out)
	return out
}

func diffMaps[V comparable](a, b map[string]V, label string) []string {
	var out []string
	for k, va := range a {
		vb, ok := b[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("- %s%s (%v)", label, k, va))
		case !equal(va, vb):
			out = append(out, fmt.Sprintf("~ %s%s: %v => %v", label, k, va, vb))
		}
	}
	for k, vb := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("+ %s%s (%v)", label, k, vb))
		}
	}
	return out
}

// equal compares values, entries without their stamps: a file rewritten
// with the same content, mode and owner is unchanged.
func equal[V comparable](a, b V) bool {
	if ea, ok := any(a).(Entry); ok {
		eb := any(b).(Entry)
		ea.stamp, eb.stamp = [6]int64{}, [6]int64{}
		return ea == eb
	}
	return a == b
}

package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/drover/drover/internal/testkit"
	"golang.org/x/sys/unix"
)

// trustedTempDir is a fresh root-owned 0755 directory under /run (root
// 0755), so that the chase up to it is trusted; t.TempDir lives under the
// world-writable /tmp.
func trustedTempDir(t *testing.T) string {
	t.Helper()
	if os.Getuid() != 0 {
		testkit.Skip(t, "needs root (chown)")
	}
	dir, err := os.MkdirTemp("/run", "drover-safefs-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// userDir makes a directory owned by nobody (65534) and writable by it,
// as an application's data directory would be, under a root-owned 0755
// temporary folder so that the chase up to it is trusted.
func userDir(t *testing.T) string {
	t.Helper()
	base := trustedTempDir(t)
	dir := filepath.Join(base, "app")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	return dir
}

func ownerMode(t *testing.T, p string) (uint32, uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Uid, st.Mode & 0o7777
}

func TestWriteFileSetsOwnerModeContent(t *testing.T) {
	dir := userDir(t)
	p := filepath.Join(dir, "sub", "f.conf")
	if err := WriteFile(p, []byte("hello\n"), WriteOptions{Mode: 0o640, UID: 65534, GID: 65534}); err != nil {
		t.Fatal(err)
	}
	data, st, err := ReadFile(p)
	if err != nil || string(data) != "hello\n" {
		t.Fatalf("read back %q, %v", data, err)
	}
	if st.Uid != 65534 || st.Mode&0o7777 != 0o640 {
		t.Fatalf("owner %d mode %o, want 65534 0640", st.Uid, st.Mode&0o7777)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

func TestSetuidBitsSurviveChown(t *testing.T) {
	dir := userDir(t)
	p := filepath.Join(dir, "tool")
	if err := WriteFile(p, []byte("#!/bin/sh\n"), WriteOptions{Mode: 0o4755, UID: 65534, GID: 65534}); err != nil {
		t.Fatal(err)
	}
	if _, mode := ownerMode(t, p); mode != 0o4755 {
		t.Fatalf("mode %o, want 4755", mode)
	}
}

func TestFinalSymlinkIsReplacedNotFollowed(t *testing.T) {
	dir := userDir(t)
	victim := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(victim, []byte("secret\n"), 0o600)
	p := filepath.Join(dir, "f")
	os.Symlink(victim, p)
	if err := WriteFile(p, []byte("new\n"), WriteOptions{Mode: 0o644, UID: 65534, GID: 65534}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "secret\n" {
		t.Fatalf("the link's target was written: %q", data)
	}
	if uid, mode := ownerMode(t, victim); uid != 0 || mode != 0o600 {
		t.Fatalf("victim now %d %o", uid, mode)
	}
	if _, _, err := ReadFile(victim); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	unix.Lstat(p, &st)
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		t.Fatalf("%s is not a regular file now", p)
	}
}

func TestReadRefusesFinalSymlink(t *testing.T) {
	dir := userDir(t)
	victim := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(victim, []byte("secret\n"), 0o600)
	os.Symlink(victim, filepath.Join(dir, "f"))
	if data, _, err := ReadFile(filepath.Join(dir, "f")); err == nil || strings.Contains(string(data), "secret") {
		t.Fatalf("read through a link: %q, %v", data, err)
	}
}

func TestSymlinkInUserDirectoryIsNotFollowed(t *testing.T) {
	dir := userDir(t)
	target := t.TempDir()
	os.Chmod(target, 0o755)
	if err := os.Symlink(target, filepath.Join(dir, "conf.d")); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(filepath.Join(dir, "conf.d", "x"), []byte("x"), WriteOptions{Mode: 0o644, UID: -1, GID: -1})
	if !errors.Is(err, ErrUnsafe) {
		t.Fatalf("want ErrUnsafe, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(target, "x")); err == nil {
		t.Fatal("wrote through the link")
	}
}

func TestRootOwnedSymlinkInRootDirectoryIsFollowed(t *testing.T) {
	base := trustedTempDir(t)
	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o755)
	os.Symlink("real", filepath.Join(base, "run")) // like /var/run -> /run
	if err := WriteFile(filepath.Join(base, "run", "x.pid"), []byte("1\n"), WriteOptions{Mode: 0o644, UID: -1, GID: -1}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(real, "x.pid")); string(data) != "1\n" {
		t.Fatalf("got %q", data)
	}
}

func TestStickyTmpIsUntrusted(t *testing.T) {
	base := trustedTempDir(t)
	os.Chmod(base, 0o1777)
	target := t.TempDir()
	os.Symlink(target, filepath.Join(base, "l"))
	if _, err := OpenDir(filepath.Join(base, "l")); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("followed a link in a world-writable directory: %v", err)
	}
}

// TestRaceSwappingTemporaryFiles is the attack of issue 12: a user who can
// write the directory swaps every temporary file drover creates for a
// link to a root-only file while drover writes, chowns and chmods; the
// root-only file must never change.
func TestRaceSwappingTemporaryFiles(t *testing.T) {
	dir := userDir(t)
	victim := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(victim, []byte("root:secret\n"), 0o600)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var swaps atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".drover-") {
					tmp := filepath.Join(dir, e.Name())
					if os.Remove(tmp) == nil && os.Symlink(victim, tmp) == nil {
						swaps.Add(1)
					}
				}
			}
		}
	}()
	p := filepath.Join(dir, "app.conf")
	for i := 0; i < 200; i++ {
		WriteFile(p, []byte("x\n"), WriteOptions{Mode: 0o644, UID: 65534, GID: 65534,
			Check: func(string) error { syscall.Getpid(); return nil }})
	}
	stop.Store(true)
	wg.Wait()
	if uid, mode := ownerMode(t, victim); uid != 0 || mode != 0o600 {
		t.Fatalf("victim changed to uid %d mode %o after %d swaps", uid, mode, swaps.Load())
	}
	if data, _ := os.ReadFile(victim); string(data) != "root:secret\n" {
		t.Fatalf("victim content changed: %q", data)
	}
	t.Logf("%d swaps attempted", swaps.Load())
}

func TestMkdirRefusesLinkAndFixesOwner(t *testing.T) {
	dir := userDir(t)
	target := t.TempDir()
	os.Symlink(target, filepath.Join(dir, "d"))
	if _, err := Mkdir(filepath.Join(dir, "d"), 0o750, 65534, 65534); err == nil {
		t.Fatal("made a directory through a link")
	}
	if uid, _ := ownerMode(t, target); uid != 0 {
		t.Fatal("chowned the link's target")
	}
	created, err := Mkdir(filepath.Join(dir, "e"), 0o2750, 65534, 65534)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if uid, mode := ownerMode(t, filepath.Join(dir, "e")); uid != 65534 || mode != 0o2750 {
		t.Fatalf("uid %d mode %o", uid, mode)
	}
}

func TestRemoveAllDoesNotFollowLinks(t *testing.T) {
	dir := userDir(t)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "keep"), []byte("k"), 0o644)
	os.MkdirAll(filepath.Join(dir, "tree", "a"), 0o755)
	os.WriteFile(filepath.Join(dir, "tree", "a", "f"), nil, 0o644)
	os.Symlink(outside, filepath.Join(dir, "tree", "link"))
	if err := RemoveAll(filepath.Join(dir, "tree")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(outside, "keep")); err != nil {
		t.Fatal("removed through a link")
	}
	if _, err := os.Lstat(filepath.Join(dir, "tree")); !os.IsNotExist(err) {
		t.Fatal("tree is still there")
	}
}

func TestSubRefusesAnyLink(t *testing.T) {
	dir := userDir(t)
	rootfs, _ := OpenDir(dir)
	defer rootfs.Close()
	os.Mkdir(filepath.Join(dir, "etc"), 0o755)
	os.Symlink("/etc", filepath.Join(dir, "etc", "ssl"))
	if _, err := rootfs.Sub("etc/ssl", true, 0o755); err == nil {
		t.Fatal("followed a link inside the tree")
	}
	sub, err := rootfs.Sub("var/lib/x", true, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	sub.Close()
}

func TestPrivateDir(t *testing.T) {
	base := trustedTempDir(t)
	d, err := PrivateDir(filepath.Join(base, "lib", "drover", "bin"), 0o755)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	open := filepath.Join(base, "lib", "drover")
	os.Chmod(open, 0o777)
	if _, err := PrivateDir(filepath.Join(open, "bin"), 0o755); !errors.Is(err, ErrUnsafe) || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("a 0777 state directory was accepted: %v", err)
	}
	os.Chmod(open, 0o755)
	os.Chown(open, 65534, 65534)
	if _, err := PrivateDir(filepath.Join(open, "bin"), 0o755); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a directory owned by nobody was accepted: %v", err)
	}
	os.Chown(open, 0, 0)
	os.RemoveAll(filepath.Join(open, "bin"))
	os.Symlink(t.TempDir(), filepath.Join(open, "bin"))
	if _, err := PrivateDir(filepath.Join(open, "bin"), 0o755); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("a link was accepted: %v", err)
	}
}

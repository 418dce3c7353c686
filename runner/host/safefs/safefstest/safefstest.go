// Package safefstest gives tests directories that safefs trusts: t.TempDir
// lives under the world-writable /tmp, where safefs rightly refuses to
// keep drover's state or follow links.
package safefstest

import (
	"os"
	"testing"
)

// TempDir returns a fresh root-owned 0755 directory under /run (root-owned
// 0755 on Debian), removed when the test ends. It needs root; without it
// the test is skipped, except in CI (CI=true), where that is a failure.
func TempDir(t testing.TB) string {
	t.Helper()
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root, and CI runs as root")
		}
		t.Skip("needs root")
	}
	dir, err := os.MkdirTemp("/run", "drover-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Through the directory's descriptor: MkdirTemp made it 0700, and a
	// path is never the thing to chmod.
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Chmod(0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

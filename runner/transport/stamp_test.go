package transport

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/helper"
)

// countHashes puts a sha256sum on PATH that logs each call to the returned
// file before running the real one.
func countHashes(t *testing.T) string {
	t.Helper()
	real, err := exec.LookPath("sha256sum")
	if err != nil {
		testkit.Skip(t, "no sha256sum")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho \"$@\" >> " + shellQuote(log) + "\nexec " + shellQuote(real) + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "sha256sum"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return log
}

func hashCalls(t *testing.T, log string) int {
	data, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}

func startAndCall(t *testing.T, c Conn, bin Binary) {
	t.Helper()
	hc, err := c.StartHelper(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	if _, err := hc.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestHelperHashedOnlyWhenItsFileChanged: the upload hashes the helper and
// stamps it; later starts of the unchanged file do not hash it again; any
// change of the file (even of the same size) makes the next start hash it,
// find it corrupt and replace it.
func TestHelperHashedOnlyWhenItsFileChanged(t *testing.T) {
	calls := countHashes(t)
	stats := &Stats{}
	local := &LocalConn{HelperDir: t.TempDir(), Stats: stats}
	bin := fakeBinary(t, "ok")
	for range 3 {
		startAndCall(t, local, bin)
	}
	if n := hashCalls(t, calls); n != 1 || stats.Uploads.Load() != 1 {
		t.Fatalf("%d hashes and %d uploads for one upload and three starts; want 1 and 1", n, stats.Uploads.Load())
	}

	path := filepath.Join(local.HelperDir, "drover-helper-"+bin.Hash()[:16])
	corrupt := []byte(strings.Replace(string(bin.Data), "exec", "EXEC", 1))
	if err := os.WriteFile(path, corrupt, 0o755); err != nil {
		t.Fatal(err)
	}
	startAndCall(t, local, bin)
	if n := hashCalls(t, calls); n != 3 || stats.Uploads.Load() != 2 {
		t.Fatalf("after a same-size change: %d hashes, %d uploads; want 3 (check, upload) and 2", n, stats.Uploads.Load())
	}
	if data, _ := os.ReadFile(path); string(data) != string(bin.Data) {
		t.Fatalf("the changed helper was not replaced: %q", data)
	}

	// A stamp that does not match (or is missing) means: hash again.
	stamp := filepath.Join(local.HelperDir, ".verified-"+bin.Hash()[:16])
	if err := os.WriteFile(stamp, []byte("0 0 0 x y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	startAndCall(t, local, bin)
	if err := os.Remove(stamp); err != nil {
		t.Fatal(err)
	}
	startAndCall(t, local, bin)
	startAndCall(t, local, bin)
	if n := hashCalls(t, calls); n != 5 || stats.Uploads.Load() != 2 {
		t.Fatalf("after a wrong and a missing stamp: %d hashes, %d uploads; want 5 and 2", n, stats.Uploads.Load())
	}
}

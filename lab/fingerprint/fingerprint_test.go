package fingerprint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	w := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w("a/same", "x")
	w("a/changed", "1")
	w("a/gone", "g")
	w("a/mode", "m")
	w("a/rewritten", "r")
	w("skip/me", "s")
	os.Symlink("same", filepath.Join(dir, "a/link"))
	o := Options{Roots: []string{dir}, Skip: []string{filepath.Join(dir, "skip")}}
	before, err := Take(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := before.Files[filepath.Join(dir, "skip/me")]; ok {
		t.Errorf("skipped path recorded")
	}
	time.Sleep(10 * time.Millisecond)
	w("a/changed", "2")
	w("a/rewritten", "r")
	w("a/new", "n")
	w("skip/me", "changed")
	os.Remove(filepath.Join(dir, "a/gone"))
	os.Chmod(filepath.Join(dir, "a/mode"), 0o600)
	os.Remove(filepath.Join(dir, "a/link"))
	os.Symlink("changed", filepath.Join(dir, "a/link"))
	after, err := Take(o, before)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(Diff(before, after), "\n")
	for _, want := range []string{"+ " + dir + "/a/new", "- " + dir + "/a/gone", "~ " + dir + "/a/changed",
		"~ " + dir + "/a/mode", "~ " + dir + "/a/link"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"a/same", "a/rewritten", "skip"} {
		if strings.Contains(got, not) {
			t.Errorf("diff names %s:\n%s", not, got)
		}
	}
	if n := len(Diff(after, after)); n != 0 {
		t.Errorf("a snapshot differs from itself: %d", n)
	}
}

func TestSysctl(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "kernel/random"), 0o755)
	os.WriteFile(filepath.Join(dir, "kernel/core_pattern"), []byte("core\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "kernel/random/uuid"), []byte("1\n"), 0o644)
	o := Options{ProcSys: dir, Volatile: []string{"kernel/random"}}
	before, _ := Take(o, nil)
	os.WriteFile(filepath.Join(dir, "kernel/core_pattern"), []byte("|/x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "kernel/random/uuid"), []byte("2\n"), 0o644)
	after, _ := Take(o, before)
	if d := Diff(before, after); len(d) != 1 || !strings.Contains(d[0], "sysctl kernel.core_pattern: core => |/x") {
		t.Errorf("diff %q", d)
	}
}

// TestMachineQuiet takes the machine's fingerprint twice (DROVER_FINGERPRINT=1):
// what differs is what the machine changes on its own.
func TestMachineQuiet(t *testing.T) {
	if os.Getenv("DROVER_FINGERPRINT") == "" {
		t.Skip("set DROVER_FINGERPRINT=1")
	}
	start := time.Now()
	a, err := Take(Machine(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first: %d files, %d keys, %d errors in %s", len(a.Files), len(a.Sysctl), len(a.Errors), time.Since(start))
	time.Sleep(20 * time.Second)
	start = time.Now()
	b, err := Take(Machine(), a)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("second in %s", time.Since(start))
	for _, d := range Diff(a, b) {
		t.Log(d)
	}
}

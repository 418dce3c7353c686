package files

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

func TestLineLifecycle(t *testing.T) {
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	path := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(path, []byte("# sshd\nPermitRootLogin yes\nPort 22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	line := func(name string, attrs map[string]string) core.Resource {
		attrs["path"] = path
		return hosttest.Res("line", path+"#"+name, attrs)
	}
	root := func(v string) core.Resource {
		return line("root", map[string]string{"line": "PermitRootLogin " + v, "regexp": "^PermitRootLogin "})
	}
	added := line("banner", map[string]string{"line": "Banner /etc/issue", "insert_after": "^# sshd"})
	gone := line("port", map[string]string{"regexp": "^Port ", "state": "absent"})

	changes := hosttest.Converge(t, kinds, m, []core.Resource{root("no"), added, gone}, core.Update, core.Create, core.Update)
	if f := changes[0].Fields; len(f) != 1 || f[0].Old != "PermitRootLogin yes" || f[0].New != "PermitRootLogin no" {
		t.Errorf("fields = %+v", f)
	}
	want := "# sshd\nBanner /etc/issue\nPermitRootLogin no\n"
	if data, _ := os.ReadFile(path); string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode changed: %v", fi.Mode())
	}
	hosttest.Converge(t, kinds, m, []core.Resource{root("prohibit-password"), added, gone}, core.Update, core.NoOp, core.NoOp)

	// Removing the declarations restores the replaced line, removes the
	// added one and leaves removed lines removed.
	hosttest.Converge(t, kinds, m, nil, core.Delete, core.Delete, core.Delete)
	want = "# sshd\nPermitRootLogin yes\n"
	if data, _ := os.ReadFile(path); string(data) != want {
		t.Errorf("after delete file = %q, want %q", data, want)
	}
}

// TestLinePrivateFile: the current line of a file others cannot read is
// never shown.
func TestLinePrivateFile(t *testing.T) {
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	path := filepath.Join(dir, "shadow")
	if err := os.WriteFile(path, []byte("root:SECRETHASH:1\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	r := hosttest.Res("line", path+"#root", map[string]string{"path": path, "line": "root:x:1", "regexp": "^root:"})
	changes, _, err := host.Plan(kinds, []core.Resource{r}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := changes[0].Fields; len(f) != 1 || strings.Contains(f[0].Old, "SECRET") || f[0].Old != core.Sensitive {
		t.Errorf("fields = %+v", f)
	}
}

func TestLineCreatesFile(t *testing.T) {
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	path := filepath.Join(dir, "sub", "hosts")
	r := hosttest.Res("line", path+"#a", map[string]string{"path": path, "line": "100.64.0.1 a"})
	hosttest.Converge(t, kinds, m, []core.Resource{r}, core.Create)
	if data, _ := os.ReadFile(path); string(data) != "100.64.0.1 a\n" {
		t.Errorf("file = %q", data)
	}
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file drover created is still there: %v", err)
	}
	r.Attrs["create"] = "false"
	changes, _, err := host.Plan(kinds, []core.Resource{r}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := host.ApplyChange(kinds, changes[0], m); err == nil {
		t.Error("create = false on a missing file should fail")
	}
}

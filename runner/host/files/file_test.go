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

func TestFileLifecycle(t *testing.T) {
	hosttest.RequireRoot(t) // owner root:root
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	path := filepath.Join(dir, "etc", "h2t", "app.conf")
	file := func(content, mode string, extra ...string) []core.Resource {
		attrs := map[string]string{"content": content, "mode": mode}
		for i := 0; i+1 < len(extra); i += 2 {
			attrs[extra[i]] = extra[i+1]
		}
		return []core.Resource{hosttest.Res("file", path, attrs)}
	}
	hosttest.Converge(t, kinds, m, file("a\nb\n", "644"), core.Create)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("stat = %v, %v", fi, err)
	}
	changes := hosttest.Converge(t, kinds, m, file("a\nc\n", "0644"), core.Update)
	c := changes[0]
	if !strings.Contains(c.Diff, "-b\n") || !strings.Contains(c.Diff, "+c\n") {
		t.Errorf("diff = %q", c.Diff)
	}
	if len(c.Fields) != 1 || c.Fields[0].Name != "content" || strings.Contains(c.Fields[0].New, "c\n") {
		t.Errorf("content field should be summarised: %+v", c.Fields)
	}
	// Once the file is 0640, its current content is no longer shown.
	hosttest.Converge(t, kinds, m, file("a\nc\n", "0640"), core.Update)
	changes = hosttest.Converge(t, kinds, m, file("a\nd\n", "0640"), core.Update)
	if c := changes[0]; c.Diff != "" || strings.Contains(c.Fields[0].Old, "c") || c.Fields[0].Old != "(sensitive, 4 bytes)" {
		t.Errorf("content of a file others cannot read was printed: %+v", c)
	}
	hosttest.Converge(t, kinds, m, file("a\nc\n", "0600"), core.Update)

	// A failing check leaves the old file in place and says why.
	bad := file("", "0600", "check", "test -s {}")
	changes, _, _ = host.Plan(kinds, bad, m, nil)
	err = host.ApplyChange(kinds, changes[0], m)
	if err == nil || !strings.Contains(err.Error(), "check failed") || !strings.Contains(err.Error(), "test -s") {
		t.Errorf("check error = %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "a\nc\n" {
		t.Errorf("old file replaced: %q", data)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*drover*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A passing check with {} replaced.
	hosttest.Converge(t, kinds, m, file("x\n", "0600", "check", "grep -q x {}"), core.Update)

	// Sensitive content is never shown.
	secret := file("key=1\n", "0600")
	secret[0].Attrs["content"] = "key=2\n"
	secret[0].Sensitive = []string{"content"}
	changes = hosttest.Converge(t, kinds, m, secret, core.Update)
	if c := changes[0]; c.Diff != "" || c.Fields[0].New != "(sensitive, 6 bytes)" || strings.Contains(c.Fields[0].Old, "key") {
		t.Errorf("sensitive change printed: %+v", c)
	}

	hosttest.Converge(t, kinds, m, nil, core.Delete)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file left: %v", err)
	}
}

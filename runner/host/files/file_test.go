package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
)

func TestFileLifecycle(t *testing.T) {
	requireRoot(t) // owner root:root
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := newTestManifest(t)
	path := filepath.Join(dir, "etc", "h2t", "app.conf")
	file := func(content, mode string, extra ...string) []core.Resource {
		attrs := map[string]string{"content": content, "mode": mode}
		for i := 0; i+1 < len(extra); i += 2 {
			attrs[extra[i]] = extra[i+1]
		}
		return []core.Resource{res("file", path, attrs)}
	}
	converge(t, kinds, m, file("a\nb\n", "644"), core.Create)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("stat = %v, %v", fi, err)
	}
	changes := converge(t, kinds, m, file("a\nc\n", "0644"), core.Update)
	c := changes[0]
	if !strings.Contains(c.Diff, "-b\n") || !strings.Contains(c.Diff, "+c\n") {
		t.Errorf("diff = %q", c.Diff)
	}
	if len(c.Fields) != 1 || c.Fields[0].Name != "content" || strings.Contains(c.Fields[0].New, "c\n") {
		t.Errorf("content field should be summarised: %+v", c.Fields)
	}
	// Once the file is 0640, its current content is no longer shown.
	converge(t, kinds, m, file("a\nc\n", "0640"), core.Update)
	changes = converge(t, kinds, m, file("a\nd\n", "0640"), core.Update)
	if c := changes[0]; c.Diff != "" || strings.Contains(c.Fields[0].Old, "c") || c.Fields[0].Old != "(sensitive, 4 bytes)" {
		t.Errorf("content of a file others cannot read was printed: %+v", c)
	}
	converge(t, kinds, m, file("a\nc\n", "0600"), core.Update)

	// A failing check leaves the old file in place and says why.
	bad := file("", "0600", "check", "test -s {}")
	changes, _, _ = Plan(kinds, bad, m, nil)
	err = ApplyChange(kinds, changes[0], m)
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
	converge(t, kinds, m, file("x\n", "0600", "check", "grep -q x {}"), core.Update)

	// Sensitive content is never shown.
	secret := file("key=1\n", "0600")
	secret[0].Attrs["content"] = "key=2\n"
	secret[0].Sensitive = []string{"content"}
	changes = converge(t, kinds, m, secret, core.Update)
	if c := changes[0]; c.Diff != "" || c.Fields[0].New != "(sensitive, 6 bytes)" || strings.Contains(c.Fields[0].Old, "key") {
		t.Errorf("sensitive change printed: %+v", c)
	}

	converge(t, kinds, m, nil, core.Delete)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file left: %v", err)
	}
}

func TestNftTable(t *testing.T) {
	enterNetns(t, "nft")
	if _, err := runCommand("", "nft", "--version"); err != nil {
		testkit.Skip(t, "nft not installed")
	}
	kinds := testKinds(t.TempDir())
	m := newTestManifest(t)
	table := func(port string) []core.Resource {
		return []core.Resource{res("nft", "drover_h2t", map[string]string{"content": "table ip drover_h2t {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    tcp dport " + port + " drop\n  }\n}\n"})}
	}
	converge(t, kinds, m, table("9999"), core.Create)
	if out := mustRun(t, "nft", "list", "table", "ip", "drover_h2t"); !strings.Contains(out, "tcp dport 9999 drop") {
		t.Errorf("table: %s", out)
	}
	changes := converge(t, kinds, m, table("9998"), core.Update)
	if !strings.Contains(changes[0].Diff, "+    tcp dport 9998 drop") {
		t.Errorf("diff = %s", changes[0].Diff)
	}
	if out := mustRun(t, "nft", "list", "table", "ip", "drover_h2t"); strings.Contains(out, "9999") {
		t.Errorf("old rule kept: %s", out)
	}
	// A change made outside drover shows as an update and is undone.
	mustRun(t, "nft", "add", "rule", "ip", "drover_h2t", "input", "udp", "dport", "53", "drop")
	converge(t, kinds, m, table("9998"), core.Update)
	if out := mustRun(t, "nft", "list", "table", "ip", "drover_h2t"); strings.Contains(out, "udp dport 53") {
		t.Errorf("drift kept: %s", out)
	}
	// Invalid content is refused by nft -c and the table stays.
	bad := table("notaport")
	changes, _, _ = Plan(kinds, bad, m, nil)
	if err := ApplyChange(kinds, changes[0], m); err == nil || !strings.Contains(err.Error(), "nftables rejected") {
		t.Errorf("bad content: %v", err)
	}
	if out := mustRun(t, "nft", "list", "table", "ip", "drover_h2t"); !strings.Contains(out, "9998") {
		t.Errorf("table lost after a refused update: %s", out)
	}
	converge(t, kinds, m, nil, core.Delete)
	if out := mustRun(t, "nft", "list", "tables"); strings.Contains(out, "drover_h2t") {
		t.Errorf("table left: %s", out)
	}
}

func TestPackageRead(t *testing.T) {
	requireRoot(t)
	if detectPackageManager() != "apt" {
		testkit.Skip(t, "no dpkg-query")
	}
	kinds := testKinds(t.TempDir())
	m := newTestManifest(t)
	// dpkg is always installed: a no-op, recorded, and never removed.
	converge(t, kinds, m, []core.Resource{res("package", "dpkg", nil)}, core.NoOp)
	if e, ok := m.Find("package/dpkg"); !ok || e.Resource.Attrs["manager"] != "apt" {
		t.Errorf("manifest = %+v", m.Entries)
	}
	converge(t, kinds, m, nil, core.Delete)
	changes, _, err := Plan(kinds, []core.Resource{res("package", "h2t-no-such-package", nil)}, m, nil)
	if err != nil || changes[0].Action != core.Create {
		t.Errorf("missing package: %v %v", changes, err)
	}
}

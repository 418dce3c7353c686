package kinds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// applyGeneration plans desired against m and applies it with generation
// id open, as the helper does for apply -confirm.
func applyGeneration(t *testing.T, kinds host.Kinds, m *host.Manifest, desired []core.Resource, id string) {
	t.Helper()
	changes, _, err := host.Plan(kinds, desired, m, nil)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	m.OpenGeneration(id, time.Now())
	for _, c := range changes {
		if err := host.ApplyChangeJournaled(kinds, c, m, nil); err != nil {
			t.Fatalf("apply: %v", err)
		}
		if err := m.Save(); err != nil {
			t.Fatal(err)
		}
	}
}

// revertAll reverts m's generation, from the manifest as saved on disk
// (as the revert process reads it), and returns m reloaded.
func revertAll(t *testing.T, kinds host.Kinds, m *host.Manifest) ([]host.Reverted, *host.Manifest) {
	t.Helper()
	loaded, err := host.LoadManifest(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	done, err := host.Revert(kinds, loaded)
	if err != nil {
		t.Fatalf("revert: %v", err)
	}
	for _, d := range done {
		if d.Error != "" {
			t.Errorf("revert %s: %s", d.ID, d.Error)
		}
	}
	if loaded.Generation != nil {
		t.Errorf("generation still open after revert")
	}
	return done, loaded
}

func TestRevertFiles(t *testing.T) {
	hosttest.RequireRoot(t)
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	keep := filepath.Join(dir, "keep.conf")
	gone := filepath.Join(dir, "gone.conf")
	foreign := filepath.Join(dir, "foreign.conf")
	newDir := filepath.Join(dir, "new.d")
	if err := os.WriteFile(foreign, []byte("by hand\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v1 := []core.Resource{
		hosttest.Res("file", keep, map[string]string{"content": "one\n"}),
		hosttest.Res("file", gone, map[string]string{"content": "gone\n"}),
	}
	hosttest.Converge(t, kinds, m, v1)
	v2 := []core.Resource{
		hosttest.Res("file", keep, map[string]string{"content": "two\n", "mode": "0640"}),
		hosttest.Res("directory", newDir, nil),
		hosttest.Res("file", foreign, map[string]string{"content": "declared\n"}),
	}
	applyGeneration(t, kinds, m, v2, "g2")
	done, m := revertAll(t, kinds, m)
	if len(done) != 4 {
		t.Errorf("reverted %d steps, want 4: %+v", len(done), done)
	}
	// Newest first: the foreign file's update was the last change.
	if done[0].ID != "file/"+foreign || done[len(done)-1].Action != core.Delete {
		t.Errorf("order: %+v", done)
	}
	for path, want := range map[string]string{keep: "one\n", gone: "gone\n", foreign: "by hand\n"} {
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}
	if fi, err := os.Stat(keep); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode not put back: %v %v", fi, err)
	}
	if fi, err := os.Stat(foreign); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("foreign file mode not put back: %v %v", fi, err)
	}
	if _, err := os.Stat(newDir); !os.IsNotExist(err) {
		t.Errorf("created directory still there: %v", err)
	}
	// The manifest is what it was after v1: planning v1 changes nothing.
	hosttest.Converge(t, kinds, m, v1, core.NoOp, core.NoOp)
}

func TestRevertNetwork(t *testing.T) {
	hosttest.EnterNetns(t, "rev")
	if _, err := host.RunCommand("", "nft", "--version"); err != nil {
		testkit.Skip(t, "nft not installed")
	}
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	table := func(port string) string {
		return "table ip drover_dvf {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    tcp dport " + port + " drop\n  }\n}\n"
	}
	v1 := []core.Resource{
		hosttest.Res("link", "dvf0", map[string]string{"type": "veth", "peer": "dvf1"}),
		hosttest.Res("link", "dvf1", map[string]string{"type": "veth", "peer": "dvf0"}),
		hosttest.Res("addr", "dvf0/198.51.100.1/24", nil),
		hosttest.Res("nft", "drover_dvf", map[string]string{"content": table("9999")}),
	}
	hosttest.Converge(t, kinds, m, v1)
	v2 := []core.Resource{
		hosttest.Res("link", "dvf0", map[string]string{"type": "veth", "peer": "dvf1", "mtu": "1400"}),
		hosttest.Res("link", "dvf1", map[string]string{"type": "veth", "peer": "dvf0"}),
		hosttest.Res("addr", "dvf0/203.0.113.1/24", nil),
		hosttest.Res("route", "100.65.9.0/24", map[string]string{"via": "203.0.113.2"}),
		hosttest.Res("nft", "drover_dvf", map[string]string{"content": table("22")}),
	}
	applyGeneration(t, kinds, m, v2, "g2")
	if out := hosttest.MustRun(t, "nft", "list", "table", "ip", "drover_dvf"); !strings.Contains(out, "dport 22") {
		t.Fatalf("v2 not applied: %s", out)
	}
	_, m = revertAll(t, kinds, m)
	out := hosttest.MustRun(t, "ip", "-br", "addr")
	if !strings.Contains(out, "198.51.100.1/24") || strings.Contains(out, "203.0.113.1") {
		t.Errorf("addresses not put back:\n%s", out)
	}
	if out := hosttest.MustRun(t, "ip", "route"); strings.Contains(out, "100.65.9.0") {
		t.Errorf("route still there:\n%s", out)
	}
	if out := hosttest.MustRun(t, "ip", "link", "show", "dvf0"); strings.Contains(out, "mtu 1400") {
		t.Errorf("mtu not put back:\n%s", out)
	}
	if out := hosttest.MustRun(t, "nft", "list", "table", "ip", "drover_dvf"); !strings.Contains(out, "dport 9999") {
		t.Errorf("nft table not put back:\n%s", out)
	}
	hosttest.Converge(t, kinds, m, v1, core.NoOp, core.NoOp, core.NoOp, core.NoOp)
}

// The revert record keeps what was there before (root-only), never the
// new secret: sensitive values are sealed as in every manifest entry.
func TestRevertSecretFile(t *testing.T) {
	hosttest.RequireRoot(t)
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	path := filepath.Join(dir, "key.pem")
	secret := func(v string) []core.Resource {
		r := hosttest.Res("file", path, map[string]string{"content": v, "mode": "0600"})
		r.Sensitive = []string{"content"}
		return []core.Resource{r}
	}
	hosttest.Converge(t, kinds, m, secret("old-secret\n"))
	applyGeneration(t, kinds, m, secret("new-secret\n"), "g2")
	raw, err := os.ReadFile(m.Path)
	if err != nil || strings.Contains(string(raw), "new-secret") {
		t.Errorf("the new secret is in the manifest in clear (%v)", err)
	}
	_, m = revertAll(t, kinds, m)
	if got, _ := os.ReadFile(path); string(got) != "old-secret\n" {
		t.Errorf("content = %q", got)
	}
	hosttest.Converge(t, kinds, m, secret("old-secret\n"), core.NoOp)
}

package network

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

func TestNftTable(t *testing.T) {
	hosttest.EnterNetns(t, "nft")
	if _, err := host.RunCommand("", "nft", "--version"); err != nil {
		testkit.Skip(t, "nft not installed")
	}
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	table := func(port string) []core.Resource {
		return []core.Resource{hosttest.Res("nft", "drover_h2t", map[string]string{"content": "table ip drover_h2t {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    tcp dport " + port + " drop\n  }\n}\n"})}
	}
	hosttest.Converge(t, kinds, m, table("9999"), core.Create)
	if out := hosttest.MustRun(t, "nft", "list", "table", "ip", "drover_h2t"); !strings.Contains(out, "tcp dport 9999 drop") {
		t.Errorf("table: %s", out)
	}
	changes := hosttest.Converge(t, kinds, m, table("9998"), core.Update)
	if !strings.Contains(changes[0].Diff, "+    tcp dport 9998 drop") {
		t.Errorf("diff = %s", changes[0].Diff)
	}
	if out := hosttest.MustRun(t, "nft", "list", "table", "ip", "drover_h2t"); strings.Contains(out, "9999") {
		t.Errorf("old rule kept: %s", out)
	}
	// A change made outside drover shows as an update and is undone.
	hosttest.MustRun(t, "nft", "add", "rule", "ip", "drover_h2t", "input", "udp", "dport", "53", "drop")
	hosttest.Converge(t, kinds, m, table("9998"), core.Update)
	if out := hosttest.MustRun(t, "nft", "list", "table", "ip", "drover_h2t"); strings.Contains(out, "udp dport 53") {
		t.Errorf("drift kept: %s", out)
	}
	// Invalid content is refused by nft -c and the table stays.
	bad := table("notaport")
	changes, _, _ = host.Plan(kinds, bad, m, nil)
	if err := host.ApplyChange(kinds, changes[0], m); err == nil || !strings.Contains(err.Error(), "nftables rejected") {
		t.Errorf("bad content: %v", err)
	}
	if out := hosttest.MustRun(t, "nft", "list", "table", "ip", "drover_h2t"); !strings.Contains(out, "9998") {
		t.Errorf("table lost after a refused update: %s", out)
	}
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	if out := hosttest.MustRun(t, "nft", "list", "tables"); strings.Contains(out, "drover_h2t") {
		t.Errorf("table left: %s", out)
	}
}

package network

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host/hosttest"
)

// TestNeigh: a permanent neighbour entry is created, left alone by a
// second plan, updated in place when the MAC changes, replaced back when
// someone else changes it, and deleted.
func TestNeigh(t *testing.T) {
	hosttest.EnterNetns(t, "neigh")
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	br := hosttest.Res("link", "h2nb0", map[string]string{"type": "bridge", "up": "true"})
	addr := hosttest.Res("addr", "h2nb0/100.64.10.1/24", nil)
	entry := func(mac string) core.Resource {
		return hosttest.Res("neigh", "h2nb0/100.64.10.2", map[string]string{"mac": mac})
	}
	hosttest.Converge(t, kinds, m, []core.Resource{br, addr, entry("02:00:00:00:00:02")},
		core.Create, core.Create, core.Create)
	show := func() string { return hosttest.MustRun(t, "ip", "neigh", "show", "dev", "h2nb0") }
	if out := show(); !strings.Contains(out, "100.64.10.2 lladdr 02:00:00:00:00:02 PERMANENT") {
		t.Fatalf("neighbour entry: %q", out)
	}
	hosttest.Converge(t, kinds, m, []core.Resource{br, addr, entry("02:00:00:00:00:03")},
		core.NoOp, core.NoOp, core.Update)
	hosttest.MustRun(t, "ip", "neigh", "replace", "100.64.10.2", "lladdr", "02:00:00:00:00:09", "dev", "h2nb0", "nud", "permanent")
	hosttest.Converge(t, kinds, m, []core.Resource{br, addr, entry("02:00:00:00:00:03")},
		core.NoOp, core.NoOp, core.Update)
	if out := show(); !strings.Contains(out, "lladdr 02:00:00:00:00:03 PERMANENT") {
		t.Errorf("neighbour entry after repair: %q", out)
	}
	hosttest.Converge(t, kinds, m, []core.Resource{br, addr}, core.Delete, core.NoOp, core.NoOp)
	if out := show(); strings.Contains(out, "100.64.10.2") {
		t.Errorf("neighbour entry left: %q", out)
	}
}

package network

import (
	"os"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// TestAddrRouteFDB covers addr, route and fdb: create, idempotent re-plan,
// update, delete.
func TestAddrRouteFDB(t *testing.T) {
	hosttest.EnterNetns(t, "net")
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	base := []core.Resource{
		hosttest.Res("link", "h2u0", map[string]string{"type": "veth", "peer": "h2u1"}),
		hosttest.Res("link", "h2u1", map[string]string{"type": "veth", "peer": "h2u0"}),
		hosttest.Res("link", "h2vx1", map[string]string{"type": "vxlan", "vni": "7", "dev": "h2u0", "local": "198.51.100.1", "learning": "false"}),
		hosttest.Res("addr", "h2u0/198.51.100.1/24", nil),
	}
	desired := append(base,
		hosttest.Res("route", "100.65.2.0/24", map[string]string{"via": "198.51.100.2"}),
		hosttest.Res("route", "100.65.3.0/24", map[string]string{"dev": "h2u0", "table": "100"}),
		hosttest.Res("fdb", "h2vx1/198.51.100.2", nil),
		hosttest.Res("fdb", "h2vx1/198.51.100.3", nil),
	)
	hosttest.Converge(t, kinds, m, desired)
	if out := hosttest.MustRun(t, "ip", "addr", "show", "h2u0"); !strings.Contains(out, "198.51.100.1/24") {
		t.Errorf("address missing: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "100.65.2.0/24"); !strings.Contains(out, "via 198.51.100.2 dev h2u0") {
		t.Errorf("route missing: %q", out)
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "table", "100"); !strings.Contains(out, "100.65.3.0/24 dev h2u0") {
		t.Errorf("table 100 route missing: %q", out)
	}
	fdb := hosttest.MustRun(t, "bridge", "fdb", "show", "dev", "h2vx1")
	for _, dst := range []string{"dst 198.51.100.2", "dst 198.51.100.3"} {
		if !strings.Contains(fdb, "00:00:00:00:00:00 "+dst) {
			t.Errorf("fdb lacks %s:\n%s", dst, fdb)
		}
	}

	// Update: the route moves to another gateway, one fdb entry goes.
	hosttest.MustRun(t, "ip", "addr", "add", "198.51.100.9/24", "dev", "h2u1")
	desired2 := append(append([]core.Resource{}, base...),
		hosttest.Res("route", "100.65.2.0/24", map[string]string{"via": "198.51.100.9"}),
		hosttest.Res("fdb", "h2vx1/198.51.100.2", nil),
	)
	changes := hosttest.Converge(t, kinds, m, desired2, core.Delete, core.Delete, core.NoOp, core.NoOp, core.NoOp, core.NoOp, core.Update, core.NoOp)
	if changes[0].Resource.ID() != "fdb/h2vx1/198.51.100.3" || changes[1].Resource.ID() != "route/100.65.3.0/24" {
		t.Errorf("deletes not in reverse order: %v", hosttest.ActionsOf(changes))
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "100.65.2.0/24"); !strings.Contains(out, "via 198.51.100.9") {
		t.Errorf("route not updated: %q", out)
	}
	fdb = hosttest.MustRun(t, "bridge", "fdb", "show", "dev", "h2vx1")
	if strings.Contains(fdb, "198.51.100.3") || !strings.Contains(fdb, "198.51.100.2") {
		t.Errorf("fdb after removing one remote:\n%s", fdb)
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "table", "100"); strings.Contains(out, "100.65.3.0") {
		t.Errorf("table 100 route left: %q", out)
	}

	hosttest.Converge(t, kinds, m, nil)
	if out := hosttest.MustRun(t, "ip", "-o", "link"); strings.Contains(out, "h2") {
		t.Errorf("links left:\n%s", out)
	}
}

func TestSysctl(t *testing.T) {
	hosttest.EnterNetns(t, "sysctl")
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	const path = "/proc/sys/net/ipv4/ip_forward"
	if v := readTrim(t, path); v != "0" {
		t.Fatalf("fresh netns ip_forward = %s", v)
	}
	fwd := func(v string) []core.Resource {
		return []core.Resource{hosttest.Res("sysctl", "net.ipv4.ip_forward", map[string]string{"value": v})}
	}
	changes := hosttest.Converge(t, kinds, m, fwd("1"), core.Update)
	if f := changes[0].Fields; len(f) != 1 || f[0].Old != "0" || f[0].New != "1" {
		t.Errorf("fields = %+v", f)
	}
	if v := readTrim(t, path); v != "1" {
		t.Errorf("ip_forward = %s after apply", v)
	}
	if e, _ := m.Find("sysctl/net.ipv4.ip_forward"); e.Saved["previous"] != "0" {
		t.Errorf("saved = %v", e.Saved)
	}
	// A multi-field value compares with single spaces.
	hosttest.Converge(t, kinds, m, append(fwd("1"), hosttest.Res("sysctl", "net.ipv4.ip_local_port_range", map[string]string{"value": "40000   50000"})), core.NoOp, core.Update)
	hosttest.Converge(t, kinds, m, nil, core.Delete, core.Delete)
	if v := readTrim(t, path); v != "0" {
		t.Errorf("ip_forward = %s after delete, want the previous 0", v)
	}
	changes, _, _ = host.Plan(kinds, []core.Resource{hosttest.Res("sysctl", "net.nonexistent.key", map[string]string{"value": "1"})}, m, nil)
	if err := host.ApplyChange(kinds, changes[0], m); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("unknown sysctl: %v", err)
	}
}

func readTrim(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

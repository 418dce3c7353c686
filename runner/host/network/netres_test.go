package host

import (
	"os"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host/safefs/safefstest"
)

func res(kind, name string, attrs map[string]string) core.Resource {
	if attrs == nil {
		attrs = map[string]string{}
	}
	return core.Resource{Kind: kind, Name: name, Attrs: attrs, Owners: []string{"test." + kind}}
}

func newTestManifest(t *testing.T) *Manifest {
	return &Manifest{Path: safefstest.TempDir(t) + "/manifest.json", Version: manifestVersion}
}

// TestAddrRouteFDB covers addr, route and fdb: create, idempotent re-plan,
// update, delete.
func TestAddrRouteFDB(t *testing.T) {
	enterNetns(t, "net")
	kinds := testKinds(t.TempDir())
	m := newTestManifest(t)
	base := []core.Resource{
		res("link", "h2u0", map[string]string{"type": "veth", "peer": "h2u1"}),
		res("link", "h2u1", map[string]string{"type": "veth", "peer": "h2u0"}),
		res("link", "h2vx1", map[string]string{"type": "vxlan", "vni": "7", "dev": "h2u0", "local": "198.51.100.1", "learning": "false"}),
		res("addr", "h2u0/198.51.100.1/24", nil),
	}
	desired := append(base,
		res("route", "100.65.2.0/24", map[string]string{"via": "198.51.100.2"}),
		res("route", "100.65.3.0/24", map[string]string{"dev": "h2u0", "table": "100"}),
		res("fdb", "h2vx1/198.51.100.2", nil),
		res("fdb", "h2vx1/198.51.100.3", nil),
	)
	converge(t, kinds, m, desired)
	if out := mustRun(t, "ip", "addr", "show", "h2u0"); !strings.Contains(out, "198.51.100.1/24") {
		t.Errorf("address missing: %s", out)
	}
	if out := mustRun(t, "ip", "route", "show", "100.65.2.0/24"); !strings.Contains(out, "via 198.51.100.2 dev h2u0") {
		t.Errorf("route missing: %q", out)
	}
	if out := mustRun(t, "ip", "route", "show", "table", "100"); !strings.Contains(out, "100.65.3.0/24 dev h2u0") {
		t.Errorf("table 100 route missing: %q", out)
	}
	fdb := mustRun(t, "bridge", "fdb", "show", "dev", "h2vx1")
	for _, dst := range []string{"dst 198.51.100.2", "dst 198.51.100.3"} {
		if !strings.Contains(fdb, "00:00:00:00:00:00 "+dst) {
			t.Errorf("fdb lacks %s:\n%s", dst, fdb)
		}
	}

	// Update: the route moves to another gateway, one fdb entry goes.
	mustRun(t, "ip", "addr", "add", "198.51.100.9/24", "dev", "h2u1")
	desired2 := append(append([]core.Resource{}, base...),
		res("route", "100.65.2.0/24", map[string]string{"via": "198.51.100.9"}),
		res("fdb", "h2vx1/198.51.100.2", nil),
	)
	changes := converge(t, kinds, m, desired2, core.Delete, core.Delete, core.NoOp, core.NoOp, core.NoOp, core.NoOp, core.Update, core.NoOp)
	if changes[0].Resource.ID() != "fdb/h2vx1/198.51.100.3" || changes[1].Resource.ID() != "route/100.65.3.0/24" {
		t.Errorf("deletes not in reverse order: %v", actionsOf(changes))
	}
	if out := mustRun(t, "ip", "route", "show", "100.65.2.0/24"); !strings.Contains(out, "via 198.51.100.9") {
		t.Errorf("route not updated: %q", out)
	}
	fdb = mustRun(t, "bridge", "fdb", "show", "dev", "h2vx1")
	if strings.Contains(fdb, "198.51.100.3") || !strings.Contains(fdb, "198.51.100.2") {
		t.Errorf("fdb after removing one remote:\n%s", fdb)
	}
	if out := mustRun(t, "ip", "route", "show", "table", "100"); strings.Contains(out, "100.65.3.0") {
		t.Errorf("table 100 route left: %q", out)
	}

	converge(t, kinds, m, nil)
	if out := mustRun(t, "ip", "-o", "link"); strings.Contains(out, "h2") {
		t.Errorf("links left:\n%s", out)
	}
}

func TestSysctl(t *testing.T) {
	enterNetns(t, "sysctl")
	kinds := testKinds(t.TempDir())
	m := newTestManifest(t)
	const path = "/proc/sys/net/ipv4/ip_forward"
	if v := readTrim(t, path); v != "0" {
		t.Fatalf("fresh netns ip_forward = %s", v)
	}
	fwd := func(v string) []core.Resource {
		return []core.Resource{res("sysctl", "net.ipv4.ip_forward", map[string]string{"value": v})}
	}
	changes := converge(t, kinds, m, fwd("1"), core.Update)
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
	converge(t, kinds, m, append(fwd("1"), res("sysctl", "net.ipv4.ip_local_port_range", map[string]string{"value": "40000   50000"})), core.NoOp, core.Update)
	converge(t, kinds, m, nil, core.Delete, core.Delete)
	if v := readTrim(t, path); v != "0" {
		t.Errorf("ip_forward = %s after delete, want the previous 0", v)
	}
	changes, _, _ = Plan(kinds, []core.Resource{res("sysctl", "net.nonexistent.key", map[string]string{"value": "1"})}, m, nil)
	if err := ApplyChange(kinds, changes[0], m); err == nil || !strings.Contains(err.Error(), "does not exist") {
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

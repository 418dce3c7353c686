package host

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/core"
)

func TestFactsInNetns(t *testing.T) {
	enterNetns(t, "facts")
	mustRun(t, "ip", "link", "add", "h2f0", "type", "veth", "peer", "name", "h2f1")
	mustRun(t, "ip", "addr", "add", "198.51.100.7/24", "dev", "h2f0")
	mustRun(t, "ip", "link", "set", "h2f0", "mtu", "1400", "up")
	mustRun(t, "ip", "route", "add", "default", "via", "198.51.100.254", "dev", "h2f0", "onlink")
	start := time.Now()
	f, err := GatherFacts()
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("facts in %v: kinds %v, commands %v", took, f.LinkKinds, f.Commands)
	if f.Arch != runtime.GOARCH || f.Kernel == "" || f.Hostname == "" || f.Distribution == "" {
		t.Errorf("facts = %+v", f)
	}
	for _, k := range []string{"bridge", "vxlan", "veth"} {
		if !f.HasLinkKind(k) {
			t.Errorf("link kind %s missing: %v", k, f.LinkKinds)
		}
	}
	ifc, ok := f.InterfaceWithIP("198.51.100.7")
	if !ok || ifc.Name != "h2f0" || ifc.MTU != 1400 || !ifc.Up {
		t.Errorf("interface = %+v %v", ifc, ok)
	}
	if f.DefaultIface != "h2f0" {
		t.Errorf("default iface = %q", f.DefaultIface)
	}
	if f.Commands["ping"] == "" {
		t.Errorf("ping not found: %v", f.Commands)
	}
	if out := mustRun(t, "ip", "-o", "link"); strings.Contains(out, "drvprobe") {
		t.Errorf("probe links left:\n%s", out)
	}
	// The fallback probes in place and leaves nothing behind.
	if inPlace := probeLinkKindsHere(false); strings.Join(inPlace, " ") != strings.Join(f.LinkKinds, " ") {
		t.Errorf("in-place probe %v != private probe %v", inPlace, f.LinkKinds)
	}
	if out := mustRun(t, "ip", "-o", "link"); strings.Contains(out, "drvprobe") {
		t.Errorf("in-place probe links left:\n%s", out)
	}
	if took > 2*time.Second {
		t.Errorf("facts took %v", took)
	}
}

func TestChecks(t *testing.T) {
	enterNetns(t, "check")
	mustRun(t, "ip", "link", "add", "h2c0", "type", "bridge")
	kinds := testKinds(t.TempDir())
	m := newTestManifest(t)
	checks := []core.Check{
		{Kind: "link", Attrs: map[string]string{"name": "h2c0"}},
		{Kind: "ping", Attrs: map[string]string{"dst": "127.0.0.1", "count": "2", "size": "1400", "df": "true", "timeout_ms": "500"}},
		{Kind: "ping", Attrs: map[string]string{"dst": "203.0.113.99", "count": "1", "timeout_ms": "200"}},
		{Kind: "link", Attrs: map[string]string{"name": "h2nope"}},
		{Kind: "teleport"},
	}
	results := RunChecks(kinds, m, checks)
	want := []bool{false, true, false, false, false}
	for i, r := range results {
		if r.OK != want[i] {
			t.Errorf("check %d (%s %v): ok=%v, want %v: %s", i, r.Check.Kind, r.Check.Attrs, r.OK, want[i], r.Detail)
		}
	}
	if !strings.Contains(results[0].Detail, "down") || !strings.Contains(results[1].Detail, "2 received") {
		t.Errorf("details: %q, %q", results[0].Detail, results[1].Detail)
	}
	mustRun(t, "ip", "link", "set", "h2c0", "up")
	if r := RunChecks(kinds, m, checks[:1]); !r[0].OK {
		t.Errorf("bridge up: %+v", r[0])
	}
}

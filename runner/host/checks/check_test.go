package checks

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// TestPingRemote: a ping to an address the host holds itself proves
// nothing about the network; with remote it says so instead of passing on
// a loopback answer, and without it the ping runs.
func TestPingRemote(t *testing.T) {
	ok, detail := checkPing(map[string]string{"dst": "127.0.0.1", "remote": "true", "count": "1"})
	if !ok || !strings.Contains(detail, "holds 127.0.0.1 itself") {
		t.Errorf("remote ping of a local address: %v %q", ok, detail)
	}
	if ok, detail := checkPing(map[string]string{"dst": "127.0.0.1", "count": "1", "iface": "drover-nonexistent0"}); ok {
		t.Errorf("a ping through an interface that does not exist passed: %q", detail)
	}
}

func TestChecks(t *testing.T) {
	hosttest.EnterNetns(t, "check")
	hosttest.MustRun(t, "ip", "link", "add", "h2c0", "type", "bridge")
	m := hosttest.NewManifest(t)
	checks := []core.Check{
		{Kind: "link", Attrs: map[string]string{"name": "h2c0"}},
		{Kind: "ping", Attrs: map[string]string{"dst": "127.0.0.1", "count": "2", "size": "1400", "df": "true", "timeout_ms": "500"}},
		{Kind: "ping", Attrs: map[string]string{"dst": "203.0.113.99", "count": "1", "timeout_ms": "200"}},
		{Kind: "link", Attrs: map[string]string{"name": "h2nope"}},
		{Kind: "teleport"},
	}
	results := host.RunChecks(host.Kinds{}, All(), m, checks)
	want := []bool{false, true, false, false, false}
	for i, r := range results {
		if r.OK != want[i] {
			t.Errorf("check %d (%s %v): ok=%v, want %v: %s", i, r.Check.Kind, r.Check.Attrs, r.OK, want[i], r.Detail)
		}
	}
	if !strings.Contains(results[0].Detail, "down") || !strings.Contains(results[1].Detail, "2 received") {
		t.Errorf("details: %q, %q", results[0].Detail, results[1].Detail)
	}
	hosttest.MustRun(t, "ip", "link", "set", "h2c0", "up")
	if r := host.RunChecks(host.Kinds{}, All(), m, checks[:1]); !r[0].OK {
		t.Errorf("bridge up: %+v", r[0])
	}
}

package checks

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// fakeSTP answers the stp check as the link kind would.
type fakeSTP map[string]map[string]string

func (f fakeSTP) BridgeSTP(name string) (map[string]string, error) {
	st, ok := f[name]
	if !ok {
		return nil, exec.ErrNotFound
	}
	return st, nil
}

// TestSTPCheck: spanning tree off fails, a root other than the declared
// one fails (until retry_ms runs out), the agreed root passes.
func TestSTPCheck(t *testing.T) {
	kinds := host.Kinds{"link": struct {
		host.Kind
		fakeSTP
	}{nil, fakeSTP{
		"off":  {"stp_state": "0", "root_id": "8000.020000000001", "bridge_id": "8000.020000000001"},
		"mesh": {"stp_state": "1", "root_id": "1000.020000000001", "bridge_id": "8000.020000000002"},
	}}}
	m := hosttest.NewManifest(t)
	cases := []struct {
		attrs map[string]string
		ok    bool
		want  string
	}{
		{map[string]string{"bridge": "off"}, false, "runs no kernel spanning tree"},
		{map[string]string{"bridge": "mesh", "root": "1000.020000000009", "retry_ms": "300"}, false, "not the declared root 1000.020000000009"},
		{map[string]string{"bridge": "mesh", "root": "1000.020000000001"}, true, "root 1000.020000000001"},
		{map[string]string{"bridge": "gone"}, false, "bridge gone:"},
	}
	for _, c := range cases {
		r := host.RunChecks(kinds, All(), m, []core.Check{{Kind: "stp", Attrs: c.attrs}})[0]
		if r.OK != c.ok || !strings.Contains(r.Detail, c.want) {
			t.Errorf("stp %v: ok=%v %q, want ok=%v and %q", c.attrs, r.OK, r.Detail, c.ok, c.want)
		}
	}
}

// TestQuietCheckBreaks makes a real loop (both ends of a veth pair ports
// of one bridge without spanning tree), starts a storm with one multicast
// and proves the quiet check fails on it; once the loop is cut, it passes.
func TestQuietCheckBreaks(t *testing.T) {
	hosttest.EnterNetns(t, "quiet")
	// No IPv6: its router and neighbour solicitations would start the
	// storm as soon as the ports come up.
	hosttest.MustRun(t, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	hosttest.MustRun(t, "ip", "link", "add", "m19q0", "type", "bridge", "stp_state", "0", "forward_delay", "0")
	hosttest.MustRun(t, "ip", "link", "add", "m19qa", "type", "veth", "peer", "name", "m19qb")
	for _, l := range []string{"m19qa", "m19qb"} {
		hosttest.MustRun(t, "ip", "link", "set", l, "master", "m19q0")
	}
	hosttest.MustRun(t, "ip", "link", "set", "m19q0", "up")
	quiet := core.Check{Kind: "quiet", Attrs: map[string]string{"dev": "m19q0", "window_ms": "500"}}
	if r := host.RunChecks(host.Kinds{}, All(), hosttest.NewManifest(t), []core.Check{quiet})[0]; !r.OK {
		t.Fatalf("quiet before the storm: %s", r.Detail)
	}
	// The ports up close the loop; IPv6 on one port sends its first
	// multicast (router and neighbour solicitations), which starts the
	// storm; deleting the bridge ends it.
	defer exec.Command("ip", "link", "del", "m19q0").Run()
	for _, l := range []string{"m19qa", "m19qb"} {
		hosttest.MustRun(t, "ip", "link", "set", l, "up")
	}
	hosttest.MustRun(t, "sysctl", "-qw", "net.ipv6.conf.m19qa.disable_ipv6=0")
	time.Sleep(100 * time.Millisecond)
	r := host.RunChecks(host.Kinds{}, All(), hosttest.NewManifest(t), []core.Check{quiet})[0]
	if r.OK || !strings.Contains(r.Detail, "broadcast storm on m19q0") || !strings.Contains(r.Detail, "busiest port m19q") {
		t.Errorf("quiet during a storm: ok=%v %q", r.OK, r.Detail)
	}
	hosttest.MustRun(t, "ip", "link", "del", "m19qa")
	if r := host.RunChecks(host.Kinds{}, All(), hosttest.NewManifest(t), []core.Check{quiet})[0]; !r.OK {
		t.Errorf("quiet after the loop is cut: %s", r.Detail)
	}
}

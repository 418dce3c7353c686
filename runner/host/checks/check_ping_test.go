package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// TestPingDecides: a ping check waits for count replies, a silent address
// fails at its deadline and not before, and a packet too big for the path
// with df fails without waiting for its deadline (after the neighbour
// warm-up, 1 s at most), naming the cause.
func TestPingDecides(t *testing.T) {
	hosttest.EnterNetns(t, "ping")
	hosttest.MustRun(t, "ip", "link", "add", "h2p0", "type", "bridge")
	hosttest.MustRun(t, "ip", "link", "set", "h2p0", "mtu", "1400", "up")
	hosttest.MustRun(t, "ip", "addr", "add", "100.64.99.1/24", "dev", "h2p0")

	ok, detail := checkPing(map[string]string{"dst": "127.0.0.1", "count": "3", "timeout_ms": "2000"})
	if !ok || !strings.Contains(detail, "3 received") {
		t.Errorf("3 replies from loopback: %v %q", ok, detail)
	}

	start := time.Now()
	ok, detail = checkPing(map[string]string{"dst": "100.64.99.2", "count": "1", "timeout_ms": "700"})
	took := time.Since(start)
	if ok || !strings.Contains(detail, "0 received") || !strings.Contains(detail, "wanted 1 replies within 700ms") {
		t.Errorf("a silent address: %v %q", ok, detail)
	}
	if took < 650*time.Millisecond || took > 2*time.Second {
		t.Errorf("a silent address failed after %s, want its 700ms deadline", took)
	}

	start = time.Now()
	ok, detail = checkPing(map[string]string{"dst": "100.64.99.2", "size": "1400", "df": "true", "count": "1", "timeout_ms": "3000"})
	if ok || !strings.Contains(detail, "message too long") || time.Since(start) > 2*time.Second {
		t.Errorf("too big with df: %v %q after %s", ok, detail, time.Since(start))
	}
	if _, err := pingArgs(map[string]string{"dst": "x", "count": "-1"}); err == nil {
		t.Error("a negative count was accepted")
	}
}

// TestRunChecksConcurrent: a host's checks run at the same time (8 pings
// of a silent address take about one deadline, not eight) and their
// results keep the order of the checks.
func TestRunChecksConcurrent(t *testing.T) {
	hosttest.EnterNetns(t, "conc")
	var cs []core.Check
	for range host.MaxParallelChecks {
		cs = append(cs, core.Check{Kind: "ping", Attrs: map[string]string{"dst": "203.0.113.99", "count": "1", "timeout_ms": "500"}})
	}
	cs = append(cs, core.Check{Kind: "ping", Attrs: map[string]string{"dst": "127.0.0.1", "count": "1"}})
	start := time.Now()
	results := host.RunChecks(host.Kinds{}, All(), hosttest.NewManifest(t), cs)
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("%d checks of 500ms took %s", len(cs), took)
	}
	for i, r := range results {
		if want := i == len(cs)-1; r.OK != want || r.Check.Attrs["dst"] != cs[i].Attrs["dst"] {
			t.Errorf("result %d: %+v", i, r)
		}
	}
}

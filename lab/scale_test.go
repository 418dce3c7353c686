package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// manyServers is n servers s1..sN spread over as many /24s of
// 198.51.100.0/24 and 203.0.113.0/24 as needed (at most 250 a /24).
func manyServers(n int) []Server {
	servers := make([]Server, n)
	for i := range servers {
		net, last := "198.51.100.", i+1
		if last > 250 {
			net, last = "203.0.113.", last-250
		}
		servers[i] = Server{Name: fmt.Sprintf("s%d", i+1), Address: fmt.Sprintf("%s%d", net, last)}
	}
	return servers
}

// TestHundredHosts brings 100 hosts up and down and checks that nothing
// is left: no namespace, no mount, no process. Timing is for
// TestBenchLabHosts (make bench), not here.
func TestHundredHosts(t *testing.T) {
	requireRoot(t)
	if testing.Short() {
		t.Skip("100 hosts: not with -short")
	}
	dir := filepath.Join(t.TempDir(), "state")
	st := upLabAt(t, dir, manyServers(100))
	for _, h := range []string{"s1", "s50", "s100"} {
		if got := mustExec(t, st, h, "hostname"); got != h {
			t.Errorf("hostname of %s: %q", h, got)
		}
	}
	var pids []int
	for _, pid := range hostPIDs(st) {
		pids = append(pids, pid)
	}
	if err := Down(dir, nil); err != nil {
		t.Fatal(err)
	}
	assertGone(t, dir, pids)
}

// TestBenchLabHosts times `lab up` and `lab down` of 10 and 100 hosts
// (make bench: DROVER_BENCH=1). The target: 100 hosts up in 10 s or less.
func TestBenchLabHosts(t *testing.T) {
	if os.Getenv("DROVER_BENCH") == "" {
		t.Skip("a benchmark: set DROVER_BENCH=1 (make bench)")
	}
	requireRoot(t)
	var b strings.Builder
	fmt.Fprintf(&b, "\ndrover lab (namespace tier): hosts up (every sshd answering) and down (nothing left)\n")
	fmt.Fprintf(&b, "%6s %9s %9s  %s\n", "hosts", "up", "down", "target")
	for _, n := range []int{10, 100} {
		dir := filepath.Join(t.TempDir(), "state")
		start := time.Now()
		var log bytes.Buffer
		st, err := Up(context.Background(), dir, manyServers(n), &log)
		up := time.Since(start)
		if err != nil {
			Down(dir, nil)
			t.Fatalf("Up %d: %v\n%s", n, err, log.String())
		}
		pids := hostPIDs(st)
		start = time.Now()
		if err := Down(dir, nil); err != nil {
			t.Fatal(err)
		}
		down := time.Since(start)
		var ps []int
		for _, p := range pids {
			ps = append(ps, p)
		}
		assertGone(t, dir, ps)
		verdict := "-"
		if n == 100 {
			verdict = "up <= 10s: " + map[bool]string{true: "met", false: "MISSED"}[up <= 10*time.Second]
		}
		fmt.Fprintf(&b, "%6d %9s %9s  %s\n", n, up.Round(time.Millisecond), down.Round(time.Millisecond), verdict)
	}
	fmt.Print(b.String())
}

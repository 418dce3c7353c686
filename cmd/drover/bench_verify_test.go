package main

// TestBenchVerify30 (make bench, issue 20): verify at the scale where it
// used to lie. A 30-server VXLAN mesh (870 ping checks, 29 per host) is
// applied once, then applied again 10 times with nothing to change; every
// one of those no-op applies must verify every check (a failed check there
// is a false failure: nothing changed and the lab is healthy), and the
// table prints false failures and verify time next to the targets. Verify
// time is the apply phase of a no-op apply (nothing to apply: all of it is
// verify), measured at the runner level as BenchmarkApplyNoop does.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/lab"
)

// Targets of issue 20, item 3.
const (
	verifyServers      = 30
	verifyRuns         = 10
	targetVerify30     = 3 * time.Second
	targetFalseFailure = 0
)

func TestBenchVerify30(t *testing.T) {
	benchPrereqs(t)
	dir := filepath.Join(t.TempDir(), "vx30")
	writeVXLANMesh(t, dir, verifyServers)
	t.Cleanup(func() {
		if err := lab.Down(labDir(dir), nil); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	if out, err := runCLI("lab", "up", dir); err != nil {
		t.Fatalf("lab up: %v\n%s", err, out)
	}
	ctx := context.Background()
	start := time.Now()
	first, err := applyOnce(ctx, dir)
	firstTook := time.Since(start)
	if err != nil {
		t.Fatalf("first apply (%d of %d checks failed): %v", first.failedChecks, first.checks, err)
	}
	var verify, noop []time.Duration
	falseFailures, checks := 0, 0
	for i := range verifyRuns {
		start := time.Now()
		r, err := applyOnce(ctx, dir)
		noop = append(noop, time.Since(start))
		verify = append(verify, r.phases.apply)
		checks += r.checks
		falseFailures += r.failedChecks
		if r.changed != 0 {
			t.Errorf("no-op apply %d changed %d resources", i+1, r.changed)
		}
		if err != nil {
			t.Errorf("no-op apply %d: %d of %d checks failed: %s", i+1, r.failedChecks, r.checks, firstLines(err.Error(), 6))
		}
	}
	if want := verifyRuns * verifyServers * (verifyServers - 1); checks < want {
		t.Errorf("%d checks ran in %d no-op applies, want at least %d (every member pings every other)", checks, verifyRuns, want)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nverify at scale: a %d-server VXLAN mesh (%d ping checks per apply), first apply then %d no-op applies\n",
		verifyServers, verifyServers*(verifyServers-1), verifyRuns)
	fmt.Fprintf(&b, "%-34s %12s  %s\n", "figure", "value", "target")
	fmt.Fprintf(&b, "%-34s %12s  %s\n", "first apply (wall)", roundDur(firstTook), "-")
	fmt.Fprintf(&b, "%-34s %12d  %s\n", "false failures (failed checks)", falseFailures,
		targetVerdict(falseFailures <= targetFalseFailure, fmt.Sprintf("= %d", targetFalseFailure)))
	fmt.Fprintf(&b, "%-34s %12s  %s\n", "verify, median", roundDur(medianDur(verify)),
		targetVerdict(medianDur(verify) <= targetVerify30, "<= "+targetVerify30.String()))
	fmt.Fprintf(&b, "%-34s %12s  %s\n", "verify, slowest", roundDur(slices.Max(verify)),
		targetVerdict(slices.Max(verify) <= targetVerify30, "<= "+targetVerify30.String()))
	fmt.Fprintf(&b, "%-34s %12s  %s\n", "no-op apply, median (wall)", roundDur(medianDur(noop)), "-")
	fmt.Print(b.String())
}

// writeVXLANMesh writes n servers (198.51.100.1..n) that are all members
// of one VXLAN network into dir.
func writeVXLANMesh(t *testing.T, dir string, n int) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var names []string
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "server \"s%d\" {\n  address = \"198.51.100.%d\"\n}\n\n", i, i)
		names = append(names, fmt.Sprintf("%q", fmt.Sprintf("s%d", i)))
	}
	fmt.Fprintf(&b, "network \"vxlan\" \"vx1\" {\n  subnet  = \"100.64.10.0/24\"\n  servers = [%s]\n}\n", strings.Join(names, ", "))
	if err := os.WriteFile(filepath.Join(dir, "cluster.hcl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

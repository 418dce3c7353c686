package main

import (
	"os"
	"runtime/debug"
)

// A plan's live heap is small next to what it allocates: it loads the
// configuration, then expands, sends and lets go of each host's desired
// state (runner/rolling.go, modules.Stream). At 10,000 hosts it
// allocates ~3.3 GB around a live heap of ~100 MB (500-750 MB at its
// peaks, with -parallel 100-200 hosts' desired states in flight), and Go's
// default (collect when the heap has doubled) ran the collector 35
// times: a fifth of the plan's CPU. A plan lets the heap grow to nine
// times its live size instead, under a soft limit that keeps it below
// 1 GiB: 8-10 collections, peak RSS 700-810 MiB
// (cmd/drover/bench_fleet_test.go measures both; 5 times and 640 MiB
// ran 13-15, with 5-7% more of drover's CPU per simulated server's).
// GOGC or GOMEMLIMIT in the environment win.
const (
	planGCPercent   = 800
	planMemoryLimit = 768 << 20
)

// planGC sets the collector for a plan and returns what puts the
// previous settings back.
func planGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	percent := debug.SetGCPercent(planGCPercent)
	limit := debug.SetMemoryLimit(planMemoryLimit)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

package main

import (
	"os"
	"runtime/debug"
)

// A plan's live heap is small next to what it allocates: it loads the
// configuration, then expands, sends and lets go of each host's desired
// state (runner/rolling.go, modules.Stream). At 10,000 hosts it
// allocates ~3.4 GB around a live heap of ~100 MB (a few hundred MB at
// its peaks), and Go's default (collect when the heap has doubled) ran
// the collector 35 times: a fifth of the plan's CPU. A plan lets the
// heap grow to five times its live size instead, under a soft limit
// that keeps it well below 1 GiB (cmd/drover/bench_fleet_test.go
// measures both). GOGC or GOMEMLIMIT in the environment win.
const (
	planGCPercent   = 400
	planMemoryLimit = 640 << 20
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

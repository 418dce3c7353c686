package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// A plan sets the collector's target and soft limit for its run and puts
// the previous settings back; GOGC or GOMEMLIMIT in the environment win.
func TestPlanGCSetsAndRestores(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	restore := planGC()
	if got := debug.SetGCPercent(planGCPercent); got != planGCPercent {
		t.Errorf("GC percent during a plan = %d, want %d", got, planGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != planMemoryLimit {
		t.Errorf("memory limit during a plan = %d, want %d", got, planMemoryLimit)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent after the plan = %d, want 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit after the plan = %d, want none", got)
	}
	t.Setenv("GOGC", "50")
	planGC()()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, a plan changed the GC percent to %d", got)
	}
}

package helper

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host/safefs"
)

// Fault injection, for tests only: when the file FaultFile exists in the
// state directory (root-only, checked like all of it), the helper kills
// itself with SIGKILL at the step it names, exactly as a power cut or an
// OOM kill would, so that a suite can prove that every interruption leaves
// a host that the next apply converges and a destroy empties. The file
// holds "STAGE N": the Nth change of an apply that is not a no-op, and
// STAGE one of
//
//	before  before anything of the change is recorded or done
//	during  after the manifest recorded the change as pending, before it is made
//	made    after the change is made, before it is recorded as done
//	after   after the change is made and recorded
//
// The file is removed when it fires, so the next apply runs whole.
const FaultFile = "test-fault"

// faultPlan is the parsed fault file.
type faultPlan struct {
	stage string
	step  int
	path  string
}

// readFault reads the fault file of stateDir; ok is false without one.
func readFault(stateDir string) (faultPlan, bool) {
	path := filepath.Join(stateDir, FaultFile)
	data, _, err := safefs.ReadFile(path)
	if err != nil {
		return faultPlan{}, false
	}
	var f faultPlan
	if _, err := fmt.Sscanf(strings.TrimSpace(string(data)), "%s %d", &f.stage, &f.step); err != nil || f.step < 1 {
		return faultPlan{}, false
	}
	f.path = path
	return f, true
}

// at kills the helper when the fault names this stage of this step.
func (f faultPlan) at(stage string, step int) {
	if f.path == "" || f.stage != stage || f.step != step {
		return
	}
	safefs.Remove(f.path)
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // SIGKILL is never handled; nothing runs after it
}

// faultPlan reads the fault file once per session (a controller applies
// one change per request, and steps count across them).
func (s *session) faultPlan() faultPlan {
	if s.fault == nil {
		f, _ := readFault(s.stateDir)
		s.fault = &f
	}
	return *s.fault
}

// isStep reports whether a change counts as a step (it changes the host).
func isStep(c core.Change) bool { return c.Action != core.NoOp }

package helper

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs/safefstest"
)

// revertHarness is a helper session whose armed reverts are waited for
// in-process (the test plays the detached process).
type revertHarness struct {
	*client
	state, path string
}

func newRevertHarness(t *testing.T) *revertHarness {
	testkit.NeedRoot(t) // files owned by root
	state := safefstest.TempDir(t)
	spawn := func(string) (int, error) { return os.Getpid(), nil }
	c := servePipe(t, ServerOptions{StateDir: state, Env: host.Env{RunDir: t.TempDir(), LogDir: t.TempDir()}, Spawn: spawn, IdleTimeout: -1})
	return &revertHarness{client: c, state: state, path: filepath.Join(t.TempDir(), "app.conf")}
}

// apply plans content for the file and applies it under generation gen.
func (h *revertHarness) apply(content, gen string) Response {
	r := core.Resource{Kind: "file", Name: h.path, Attrs: map[string]string{"content": content}, Owners: []string{"file.app"}}
	_, plan := h.mustCall(Request{Op: OpPlan, Resources: []core.Resource{r}})
	_, resp := h.call(Request{Op: OpApply, Changes: plan.Changes, Generation: gen})
	return resp
}

func (h *revertHarness) content() string {
	data, err := os.ReadFile(h.path)
	if err != nil {
		return "(none)"
	}
	return string(data)
}

func TestArmRevertsUnlessConfirmed(t *testing.T) {
	h := newRevertHarness(t)
	if resp := h.apply("one\n", ""); !resp.OK {
		t.Fatal(resp.Error)
	}
	_, arm := h.mustCall(Request{Op: OpArm, Generation: "g1", WindowMS: 300})
	if arm.Armed == nil || arm.Armed.PID != os.Getpid() {
		t.Fatalf("armed = %+v", arm.Armed)
	}
	if resp := h.apply("two\n", "g1"); !resp.OK {
		t.Fatal(resp.Error)
	}
	// Two applies cannot arm two reverts, nor change the host meanwhile.
	if _, resp := h.call(Request{Op: OpArm, Generation: "g2", WindowMS: 300}); resp.OK || !strings.Contains(resp.Error, "a revert is armed") {
		t.Errorf("second arm: %+v", resp)
	}
	if resp := h.apply("three\n", ""); resp.OK || !strings.Contains(resp.Error, "run drover confirm") {
		t.Errorf("apply while armed: %+v", resp)
	}
	var log bytes.Buffer
	start := time.Now()
	if err := WaitAndRevert(h.state, host.Env{RunDir: t.TempDir(), LogDir: t.TempDir()}, &log); err != nil {
		t.Fatalf("revert: %v\n%s", err, log.String())
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("reverted after %s, before the deadline", took)
	}
	if got := h.content(); got != "one\n" {
		t.Errorf("after the revert: %q\n%s", got, log.String())
	}
	_, facts := h.mustCall(Request{Op: OpFacts})
	if facts.Armed != nil || facts.Report == nil || facts.Report.PutBack() != 1 || facts.Report.Generation != "g1" ||
		!strings.Contains(facts.Report.Reason, "not confirmed within 300ms") {
		t.Errorf("facts after the revert: armed %+v report %+v", facts.Armed, facts.Report)
	}
	// A confirm that comes too late says so.
	if _, resp := h.mustCall(Request{Op: OpConfirm, Generation: "g1"}); resp.Armed != nil || resp.Report == nil {
		t.Errorf("late confirm: %+v", resp)
	}
	// The next apply changes what the revert put back.
	if resp := h.apply("one\n", ""); !resp.OK || len(resp.Changes) != 1 || resp.Changes[0].Action != core.NoOp {
		t.Errorf("apply after revert: %+v", resp)
	}
}

func TestConfirmKeepsTheApply(t *testing.T) {
	h := newRevertHarness(t)
	h.mustCall(Request{Op: OpArm, Generation: "g1", WindowMS: 5000})
	if resp := h.apply("kept\n", "g1"); !resp.OK {
		t.Fatal(resp.Error)
	}
	if _, resp := h.mustCall(Request{Op: OpConfirm, Generation: "g1"}); resp.Armed == nil || resp.Armed.Generation != "g1" {
		t.Errorf("confirm: %+v", resp)
	}
	var log bytes.Buffer
	if err := WaitAndRevert(h.state, host.Env{}, &log); err != nil || !strings.Contains(log.String(), "disarmed") {
		t.Errorf("waiting revert after confirm: %v %s", err, log.String())
	}
	if got := h.content(); got != "kept\n" {
		t.Errorf("content = %q", got)
	}
	m, err := host.LoadManifest(filepath.Join(h.state, "manifest.json"))
	if err != nil || m.Generation != nil {
		t.Errorf("generation left open after confirm: %v %+v", err, m.Generation)
	}
}

func TestRevertOnRequest(t *testing.T) {
	h := newRevertHarness(t)
	if resp := h.apply("v1\n", ""); !resp.OK {
		t.Fatal(resp.Error)
	}
	if resp := h.apply("v2\n", "g2"); !resp.OK {
		t.Fatal(resp.Error)
	}
	_, resp := h.mustCall(Request{Op: OpRevert, Generation: "g2", Reason: "verify failed"})
	if resp.Report == nil || resp.Report.PutBack() != 1 || resp.Report.Reason != "verify failed" {
		t.Errorf("revert: %+v", resp.Report)
	}
	if got := h.content(); got != "v1\n" {
		t.Errorf("content = %q", got)
	}
}

// A waiting revert that died (a reboot inside the window) is started again
// at the next contact once the deadline has passed.
func TestRescueRestartsADeadRevert(t *testing.T) {
	testkit.NeedRoot(t)
	state := safefstest.TempDir(t)
	spawned := 0
	spawn := func(string) (int, error) { spawned++; return 1 << 30, nil } // no such process
	c := servePipe(t, ServerOptions{StateDir: state, Spawn: spawn, IdleTimeout: -1})
	c.mustCall(Request{Op: OpArm, Generation: "g1", WindowMS: 1})
	c.mustCall(Request{Op: OpFacts})
	if spawned != 1 {
		t.Fatalf("respawned before the deadline had passed by 2s: %d", spawned)
	}
	time.Sleep(2100 * time.Millisecond)
	_, resp := c.mustCall(Request{Op: OpFacts})
	if spawned != 2 || resp.Armed == nil || resp.Armed.PID != 1<<30 {
		t.Errorf("after the deadline: spawned %d times, armed %+v", spawned, resp.Armed)
	}
}

func TestRevertWithoutGenerationDoesNothing(t *testing.T) {
	h := newRevertHarness(t)
	if resp := h.apply("v1\n", ""); !resp.OK {
		t.Fatal(resp.Error)
	}
	var log bytes.Buffer
	if err := RevertNow(h.state, host.Env{}, &log); err != nil || !strings.Contains(log.String(), "nothing recorded") {
		t.Errorf("revert without a generation: %v %s", err, log.String())
	}
	if rep, _ := ReadReport(h.state); rep != nil || h.content() != "v1\n" {
		t.Errorf("report %+v, content %q", rep, h.content())
	}
}

// A revert that died half-way (its claim old, its process gone, the lock
// free) is resumed at the next contact.
func TestStaleClaimIsResumed(t *testing.T) {
	h := newRevertHarness(t)
	if resp := h.apply("v1\n", ""); !resp.OK {
		t.Fatal(resp.Error)
	}
	h.mustCall(Request{Op: OpArm, Generation: "g1", WindowMS: 1})
	if resp := h.apply("v2\n", "g1"); !resp.OK {
		t.Fatal(resp.Error)
	}
	a, _ := ReadArmed(h.state)
	a.PID = 1 << 30 // gone
	a.Deadline = time.Now().Add(-3 * time.Minute)
	if err := writeJSON(h.state, ClaimedFile, a); err != nil {
		t.Fatal(err)
	}
	removeState(h.state, ArmedFile)
	old := time.Now().Add(-3 * time.Minute)
	if err := os.Chtimes(filepath.Join(h.state, ClaimedFile), old, old); err != nil {
		t.Fatal(err)
	}
	if resp := h.apply("v3\n", "g1"); resp.OK || !strings.Contains(resp.Error, "revert under way") {
		t.Errorf("apply during a claimed revert: %+v", resp)
	}
	h.mustCall(Request{Op: OpFacts}) // resumes: the armed file is back, a waiting process started
	if exists(h.state, ClaimedFile) || !exists(h.state, ArmedFile) {
		t.Fatalf("stale claim not resumed")
	}
	var log bytes.Buffer
	if err := WaitAndRevert(h.state, host.Env{RunDir: t.TempDir(), LogDir: t.TempDir()}, &log); err != nil {
		t.Fatal(err)
	}
	if got := h.content(); got != "v1\n" {
		t.Errorf("content = %q\n%s", got, log.String())
	}
}

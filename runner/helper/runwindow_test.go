package helper

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs/safefstest"
)

// An apply request starts its later changes only within RunWindow of being
// read: after a slow command the helper answers with what it applied and
// starts nothing more, and the rest, sent again, is applied at once.
func TestApplyStartsNothingAfterTheRunWindow(t *testing.T) {
	testkit.NeedRoot(t) // files owned by root
	dir := t.TempDir()
	c := servePipe(t, ServerOptions{StateDir: safefstest.TempDir(t), Env: host.Env{RunDir: t.TempDir(), LogDir: t.TempDir()}, IdleTimeout: -1})
	run := []core.Resource{
		{Kind: "exec", Name: "slow", Attrs: map[string]string{"command": "sleep 1.2"}, Owners: []string{"command.slow"}},
		{Kind: "file", Name: filepath.Join(dir, "a"), Attrs: map[string]string{"content": "a\n"}, Owners: []string{"file.a"}},
		{Kind: "file", Name: filepath.Join(dir, "b"), Attrs: map[string]string{"content": "b\n"}, Owners: []string{"file.b"}},
	}
	_, plan := c.mustCall(Request{Op: OpPlan, Resources: run})
	if len(plan.Changes) != 3 {
		t.Fatalf("plan: %+v", plan.Changes)
	}
	events, resp := c.mustCall(Request{Op: OpApply, Changes: plan.Changes})
	if len(events) != 1 || events[0].Event != "applied" || len(resp.Changes) != 1 || resp.Changes[0].Resource.Name != "slow" {
		t.Fatalf("first request: events %+v, applied %+v; want the slow command only", events, resp.Changes)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Fatalf("a change was started after the run window: %v", err)
	}
	events, resp = c.mustCall(Request{Op: OpApply, Changes: plan.Changes[1:]})
	if len(events) != 2 || len(resp.Changes) != 2 {
		t.Fatalf("the rest: events %+v, applied %+v; want both files", events, resp.Changes)
	}
	for _, name := range []string{"a", "b"} {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(data) != name+"\n" {
			t.Errorf("%s: %q, %v", name, data, err)
		}
	}
}

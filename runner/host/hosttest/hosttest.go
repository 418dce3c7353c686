package host

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/vishvananda/netns"
)

// requireRoot skips tests that touch the kernel when not run as root.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root")
	}
}

// enterNetns moves the calling test goroutine, locked to its OS thread for
// good, into a fresh network namespace "h2t-TAG-PID" with lo up. The
// thread is never unlocked, so Go discards it when the test ends; the
// namespace's name is deleted in cleanup. Do not use t.Run or goroutines
// for kernel work in such a test: they run on other threads.
func enterNetns(t *testing.T, tag string) {
	t.Helper()
	requireRoot(t)
	runtime.LockOSThread()
	name := fmt.Sprintf("h2t-%s-%d", tag, os.Getpid())
	ns, err := netns.NewNamed(name)
	if err != nil {
		t.Fatalf("create netns %s: %v", name, err)
	}
	t.Cleanup(func() {
		ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("delete netns %s: %v", name, err)
		}
	})
	mustRun(t, "ip", "link", "set", "lo", "up")
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// testKinds are the real kinds with services kept under dir.
func testKinds(dir string) Kinds {
	return NewKinds(Env{RunDir: dir + "/run", LogDir: dir + "/log", UnitDir: dir + "/units"})
}

// converge plans desired against m, checks the plan's actions, applies it
// and checks that a second plan is all no-ops.
func converge(t *testing.T, kinds Kinds, m *Manifest, desired []core.Resource, want ...core.Action) []core.Change {
	t.Helper()
	changes, _, err := Plan(kinds, desired, m, nil)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if want != nil {
		if got := actionsOf(changes); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("plan actions = %v, want %v\n%s", got, want, describe(changes))
		}
	}
	for _, c := range changes {
		if err := ApplyChange(kinds, c, m); err != nil {
			t.Fatalf("apply: %v", err)
		}
	}
	again, _, err := Plan(kinds, desired, m, nil)
	if err != nil {
		t.Fatalf("second plan: %v", err)
	}
	for _, c := range again {
		if c.Action != core.NoOp {
			t.Fatalf("second plan is not idempotent:\n%s", describe(again))
		}
	}
	return changes
}

func actionsOf(changes []core.Change) []core.Action {
	var out []core.Action
	for _, c := range changes {
		out = append(out, c.Action)
	}
	return out
}

func describe(changes []core.Change) string {
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "%s %s %v\n%s", c.Action.Symbol(), c.Resource.ID(), c.Fields, c.Diff)
	}
	return b.String()
}

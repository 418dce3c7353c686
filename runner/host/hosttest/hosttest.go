// Package hosttest holds what the tests of the host kinds share: entering a
// throwaway network namespace, running a command, converging a plan twice
// (the second must change nothing), and building resources and manifests.
package hosttest

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs/safefstest"
	"github.com/vishvananda/netns"
)

// RequireRoot skips tests that touch the kernel when not run as root.
func RequireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root")
	}
}

// EnterNetns moves the calling test goroutine, locked to its OS thread for
// good, into a fresh network namespace "h2t-TAG-PID" with lo up. The
// thread is never unlocked, so Go discards it when the test ends; the
// namespace's name is deleted in cleanup. Do not use t.Run or goroutines
// for kernel work in such a test: they run on other threads.
func EnterNetns(t *testing.T, tag string) {
	t.Helper()
	RequireRoot(t)
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
	MustRun(t, "ip", "link", "set", "lo", "up")
}

// MustRun runs name with args and returns its combined output; a failure
// fails the test.
func MustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Converge plans desired against m, checks the plan's actions, applies it
// and checks that a second plan is all no-ops.
func Converge(t *testing.T, kinds host.Kinds, m *host.Manifest, desired []core.Resource, want ...core.Action) []core.Change {
	t.Helper()
	changes, _, err := host.Plan(kinds, desired, m, nil)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if want != nil {
		if got := ActionsOf(changes); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("plan actions = %v, want %v\n%s", got, want, Describe(changes))
		}
	}
	for _, c := range changes {
		if err := host.ApplyChange(kinds, c, m); err != nil {
			t.Fatalf("apply: %v", err)
		}
	}
	again, _, err := host.Plan(kinds, desired, m, nil)
	if err != nil {
		t.Fatalf("second plan: %v", err)
	}
	for _, c := range again {
		if c.Action != core.NoOp {
			t.Fatalf("second plan is not idempotent:\n%s", Describe(again))
		}
	}
	return changes
}

// ActionsOf lists the action of each change.
func ActionsOf(changes []core.Change) []core.Action {
	var out []core.Action
	for _, c := range changes {
		out = append(out, c.Action)
	}
	return out
}

// Describe renders changes for a failure message.
func Describe(changes []core.Change) string {
	var b strings.Builder
	for _, c := range changes {
		fmt.Fprintf(&b, "%s %s %v\n%s", c.Action.Symbol(), c.Resource.ID(), c.Fields, c.Diff)
	}
	return b.String()
}

// Res is a resource of kind named name with attrs, owned by "test.KIND".
func Res(kind, name string, attrs map[string]string) core.Resource {
	if attrs == nil {
		attrs = map[string]string{}
	}
	return core.Resource{Kind: kind, Name: name, Attrs: attrs, Owners: []string{"test." + kind}}
}

// NewManifest is an empty manifest in a fresh root-owned temporary
// directory.
func NewManifest(t *testing.T) *host.Manifest {
	t.Helper()
	m, err := host.LoadManifest(safefstest.TempDir(t) + "/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// EnvIn is a host environment whose services are kept under dir.
func EnvIn(dir string) host.Env {
	return host.Env{RunDir: dir + "/run", LogDir: dir + "/log", UnitDir: dir + "/units"}
}

// MustRead is what k reads of r; an error fails the test.
func MustRead(t *testing.T, k host.Kind, r core.Resource) map[string]string {
	t.Helper()
	actual, _, err := k.Read(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	return actual
}

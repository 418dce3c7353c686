package runner

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

func change(a core.Action, kind, name string, after ...string) core.Change {
	return core.Change{Action: a, Resource: core.Resource{Kind: kind, Name: name, After: after}}
}

func TestApplyGraphChainsEachHostAndSkipsNoOps(t *testing.T) {
	p := &Plan{Hosts: []*HostPlan{
		{Host: "s1", Changes: []core.Change{
			change(core.Delete, "fdb", "vx42/198.51.100.3"),
			change(core.NoOp, "link", "vxl0"),
			change(core.Create, "link", "vx42"),
		}},
		{Host: "s2", Changes: []core.Change{
			change(core.Create, "wireguard", "wg0", "s1:link/vx42"),
		}},
		{Host: "s3", Error: "unreachable", Changes: []core.Change{change(core.Create, "link", "x")}},
	}}
	g, nodes := (&Session{}).applyGraph(p)
	order, err := g.Sort()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"s1:fdb/vx42/198.51.100.3", "s1:link/vx42", "s2:wireguard/wg0"}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if deps := g.Dependencies("s2:wireguard/wg0"); len(deps) != 1 || deps[0] != "s1:link/vx42" {
		t.Errorf("cross-host edge missing: %v", deps)
	}
	if _, ok := nodes["s3:link/x"]; ok {
		t.Error("an unreachable host's changes must not be applied")
	}
}

func TestPlanCounts(t *testing.T) {
	p := &Plan{Hosts: []*HostPlan{{Host: "s1", Changes: []core.Change{
		change(core.Create, "a", "1"), change(core.Update, "a", "2"), change(core.Replace, "a", "3"),
		change(core.Delete, "a", "4"), change(core.NoOp, "a", "5"),
	}}}}
	add, chg, del := p.Counts()
	if add != 1 || chg != 2 || del != 1 || !p.HasChanges() {
		t.Fatalf("counts %d %d %d", add, chg, del)
	}
	empty := &Plan{Hosts: []*HostPlan{{Host: "s1", Changes: []core.Change{change(core.NoOp, "a", "1")}}}}
	if empty.HasChanges() {
		t.Fatal("no-op plan has changes")
	}
}

// A host's consecutive changes are applied in runs, one helper call each;
// a run breaks before a change that waits for another host (a cross-host
// dependency, or a reference to another host's output) and after one that
// another host waits for.
func TestApplyRunsBreakAtOtherHosts(t *testing.T) {
	withRefs := change(core.Create, "wireguard", "wg1")
	withRefs.Resource.Refs = map[string]string{"peer_key": "s2:wireguard/wg0#public_key"}
	deleteWithRefs := change(core.Delete, "wireguard", "old")
	deleteWithRefs.Resource.Refs = withRefs.Resource.Refs
	p := &Plan{Hosts: []*HostPlan{
		{Host: "s1", Changes: []core.Change{
			change(core.Create, "link", "a"),
			change(core.NoOp, "link", "skip"),
			change(core.Create, "link", "b"),
			change(core.Create, "link", "vx42"), // s2 waits for it: the run ends here
			change(core.Create, "link", "c"),
			change(core.Create, "route", "r1", "s2:link/x"), // waits for s2: a new run
			change(core.Create, "route", "r2"),
			withRefs, // waits for s2's key: a new run
			deleteWithRefs,
			change(core.Create, "link", "alone"),
		}},
		{Host: "s2", Changes: []core.Change{
			change(core.Create, "link", "x"),
			change(core.Create, "wireguard", "wg0", "s1:link/vx42"),
			change(core.Create, "file", "f"),
		}},
		{Host: "s3", Changes: []core.Change{change(core.Create, "link", "only")}},
		{Host: "s4", Error: "unreachable", Changes: []core.Change{change(core.Create, "link", "x"), change(core.Create, "link", "y")}},
	}}
	g, nodes := (&Session{}).applyGraph(p)
	runs := newApplyRuns(p, g, nodes)
	want := map[string][]string{
		"s1:link/a":        {"s1:link/a", "s1:link/b", "s1:link/vx42"},
		"s1:route/r1":      {"s1:route/r1", "s1:route/r2"},
		"s1:wireguard/wg1": {"s1:wireguard/wg1", "s1:wireguard/old", "s1:link/alone"},
		"s2:wireguard/wg0": {"s2:wireguard/wg0", "s2:file/f"},
	}
	if len(runs.runs) != len(want) {
		t.Errorf("runs %v, want %v", runs.runs, want)
	}
	for first, run := range want {
		if got := runs.of(first); strings.Join(got, " ") != strings.Join(run, " ") {
			t.Errorf("run of %s: %v, want %v", first, got, run)
		}
	}
	for _, alone := range []string{"s1:link/c", "s2:link/x", "s3:link/only"} {
		if runs.of(alone) != nil {
			t.Errorf("%s leads a run %v; it is applied alone", alone, runs.of(alone))
		}
	}
}

package runner

import (
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

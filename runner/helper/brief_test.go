package helper

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

func res(name string, attrs ...string) core.Resource {
	r := core.Resource{Kind: "file", Name: name, Attrs: map[string]string{}, Owners: []string{"web.w"}}
	for i := 0; i+1 < len(attrs); i += 2 {
		r.Attrs[attrs[i]] = attrs[i+1]
	}
	return r
}

// fullPlan is a plan answer as host.Plan gives it: deletes first, then
// one change per sent resource. Resources 1 and 4 come back with a
// default added (not as sent), 3 is an update.
func fullPlan(sent []core.Resource) []core.Change {
	changes := []core.Change{{Action: core.Delete, Resource: res("/old")}}
	for i, r := range sent {
		c := core.Change{Action: core.NoOp, Resource: r}
		switch i {
		case 1, 4:
			c.Resource = res(r.Name, "content", r.Attrs["content"], "mode", "0644")
		case 3:
			c.Action = core.Update
		}
		changes = append(changes, c)
	}
	return changes
}

func TestBriefPlanExpandsToTheFullAnswer(t *testing.T) {
	sent := []core.Resource{res("/a", "content", "a"), res("/b", "content", "b"), res("/c", "content", "c"),
		res("/d", "content", "d"), res("/e", "content", "e"), res("/f", "content", "f"), res("/g", "content", "g")}
	full := fullPlan(sent)
	rest, runs := brief(sent, append([]core.Change(nil), full...), false)
	if want := []Run{{0, 1}, {2, 3}, {5, 7}}; !reflect.DeepEqual(runs, want) {
		t.Errorf("runs = %v, want %v", runs, want)
	}
	if len(rest) != 4 || rest[0].Action != core.Delete || rest[1].Resource.Name != "/b" || rest[2].Action != core.Update || rest[3].Resource.Name != "/e" {
		t.Errorf("rest = %+v", rest)
	}
	// Over the wire and back: the expanded answer is the full one.
	wire, err := json.Marshal(Response{OK: true, Changes: rest, Same: runs})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(wire), `"same":[[0,1],[2,3],[5,7]]`) {
		t.Errorf("wire form: %s", wire)
	}
	var got Response
	if err := json.Unmarshal(wire, &got); err != nil {
		t.Fatal(err)
	}
	if err := ExpandBrief(sent, &got, true); err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(full)
	gotJSON, _ := json.Marshal(got.Changes)
	if string(gotJSON) != string(wantJSON) || got.Same != nil {
		t.Errorf("expanded:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
	// A full answer (a helper that does not know Brief) stays as it is.
	plain := Response{Changes: full}
	if err := ExpandBrief(sent, &plain, true); err != nil || !reflect.DeepEqual(plain.Changes, full) {
		t.Errorf("full answer: %v, %d changes", err, len(plain.Changes))
	}
	// A plan only shown keeps the changes to make, brief or not; asked
	// so, the answer gives every no-op by index.
	shown, shownRuns := brief(sent, append([]core.Change(nil), full...), true)
	if want := []Run{{0, 3}, {4, 7}}; !reflect.DeepEqual(shownRuns, want) {
		t.Errorf("runs of a plan only shown = %v, want %v", shownRuns, want)
	}
	for _, resp := range []Response{{Changes: rest, Same: runs}, {Changes: full}, {Changes: shown, Same: shownRuns}} {
		if err := ExpandBrief(sent, &resp, false); err != nil || changeList(resp.Changes) != "delete /old, update /d" {
			t.Errorf("without no-ops: %v, %s", err, changeList(resp.Changes))
		}
	}
}

func changeList(changes []core.Change) string {
	var s []string
	for _, c := range changes {
		s = append(s, string(c.Action)+" "+c.Resource.Name)
	}
	return strings.Join(s, ", ")
}

func TestBriefPlanAnswerThatDoesNotAddUp(t *testing.T) {
	sent := []core.Resource{res("/a"), res("/b"), res("/c")}
	for _, tc := range []struct {
		name string
		resp Response
		want string
	}{
		{"run out of range", Response{Same: []Run{{1, 4}}}, "outside the 3 resources"},
		{"empty run", Response{Same: []Run{{1, 1}}}, "outside the 3 resources"},
		{"overlapping runs", Response{Same: []Run{{0, 2}, {1, 3}}}, "out of order"},
		{"too few changes", Response{Same: []Run{{0, 1}}, Changes: []core.Change{{Action: core.NoOp, Resource: res("/b")}}}, "1 changes and 1 unchanged for 3"},
		{"a change out of place", Response{Same: []Run{{0, 1}}, Changes: []core.Change{{Action: core.NoOp, Resource: res("/c")}, {Action: core.NoOp, Resource: res("/b")}}}, "is for file//c, not file//b"},
		{"no delete before", Response{Same: []Run{{0, 3}}, Changes: []core.Change{{Action: core.Create, Resource: res("/x")}}}, "not a delete"},
	} {
		err := ExpandBrief(sent, &tc.resp, true)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestSameResource(t *testing.T) {
	a := res("/a", "content", "x")
	b := a
	b.After, b.Refs, b.Owners = []string{}, map[string]string{}, []string{"web.w"}
	if !SameResource(a, b) {
		t.Error("empty lists and maps differ from missing ones")
	}
	for name, edit := range map[string]func(*core.Resource){
		"attr":      func(r *core.Resource) { r.Attrs = map[string]string{"content": "y"} },
		"owner":     func(r *core.Resource) { r.Owners = []string{"web.v"} },
		"after":     func(r *core.Resource) { r.After = []string{"link/x"} },
		"sensitive": func(r *core.Resource) { r.Sensitive = []string{"content"} },
		"group":     func(r *core.Resource) { r.Group = "job.j" },
		"refs":      func(r *core.Resource) { r.Refs = map[string]string{"k": "s1:x/y#z"} },
		"kind":      func(r *core.Resource) { r.Kind = "line" },
	} {
		c := a
		edit(&c)
		if SameResource(a, c) {
			t.Errorf("a different %s is the same resource", name)
		}
	}
}

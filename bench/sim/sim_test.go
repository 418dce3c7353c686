package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// TestReadLineCountsResources reads plan requests through readers of
// every small buffer size, so that resource starts and the brief member
// fall across fragment boundaries at every offset, and checks the count,
// the size and the brief flag (values holding the resource start's text
// must not count).
func TestReadLineCountsResources(t *testing.T) {
	for _, n := range []int{0, 1, 7} {
		for _, brief := range []bool{false, true} {
			req := helper.Request{Op: helper.OpPlan, Brief: brief}
			for i := range n {
				req.Resources = append(req.Resources, core.Resource{Kind: "file", Name: fmt.Sprintf("/f%d", i),
					Attrs: map[string]string{"content": `{"kind":"file"}`}, Owners: []string{"x.y"}})
			}
			line, err := json.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			line = append(line, '\n')
			for size := 16; size < 120; size++ {
				in := bufio.NewReaderSize(bytes.NewReader(append(line, "{\"op\":\"facts\"}\n"...)), size)
				got, err := readLine(in)
				if err != nil || got.resources != n || got.brief != brief || got.size != len(line) {
					t.Fatalf("%d resources, brief %t, buffer %d: read %d resources, brief %t, size %d of %d, err %v",
						n, brief, size, got.resources, got.brief, got.size, len(line), err)
				}
				if next, _ := readLine(in); string(next.head) != "{\"op\":\"facts\"}\n" {
					t.Fatalf("buffer %d: next line %q", size, next.head)
				}
			}
		}
	}
}

// TestPlanAnswer: a brief plan is answered every resource unchanged; a
// plan that is not brief is refused rather than answered short.
func TestPlanAnswer(t *testing.T) {
	resp := answer(helper.OpPlan, "s1", "198.51.100.1", request{resources: 3, brief: true})
	if !resp.OK || len(resp.Same) != 1 || resp.Same[0] != (helper.Run{From: 0, To: 3}) || len(resp.Fingerprint) != 64 {
		t.Errorf("brief plan: %+v", resp)
	}
	sent := make([]core.Resource, 3)
	for i := range sent {
		sent[i] = core.Resource{Kind: "file", Name: fmt.Sprint(i)}
	}
	if err := helper.ExpandBrief(sent, &resp, true); err != nil || len(resp.Changes) != 3 || resp.Changes[2].Action != core.NoOp {
		t.Errorf("expanded: %v, %+v", err, resp.Changes)
	}
	if resp := answer(helper.OpPlan, "s1", "198.51.100.1", request{resources: 3}); resp.OK {
		t.Errorf("a full plan answered: %+v", resp)
	}
	if resp := answer(helper.OpPlan, "s1", "198.51.100.1", request{}); !resp.OK || resp.Same != nil {
		t.Errorf("an empty plan: %+v", resp)
	}
}

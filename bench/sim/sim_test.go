package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// TestReadLineCountsResources reads packed plan requests through
// readers of many small buffer sizes (each holding at least the op and
// the count, as the simulator's 16 KiB does), so that the brief member
// falls across fragment boundaries at every offset, and checks the op,
// the count (not one a value holds), the size and the brief flag.
func TestReadLineCountsResources(t *testing.T) {
	for _, n := range []int{0, 1, 7} {
		for _, brief := range []bool{false, true} {
			req := helper.Request{Op: helper.OpPlan, Brief: brief, Owners: []string{"x.y"}}
			for i := range n {
				req.Resources = append(req.Resources, core.Resource{Kind: "file", Name: fmt.Sprintf("/f%d", i),
					Attrs: map[string]string{"content": `"count":99`}, Owners: []string{"x.y"}})
			}
			// As the controller writes it: packed, op and count first.
			line := []byte(`{"op":"plan"}`)
			if n > 0 {
				line = fmt.Appendf(nil, `{"op":"plan","packed":%s}`, core.AppendPackedJSON(nil, req.Resources))
			}
			rest, err := json.Marshal(helper.Request{Owners: req.Owners, Brief: brief})
			if err != nil {
				t.Fatal(err)
			}
			line = append(append(line[:len(line)-1], ','), rest[len(`{"op":"",`):]...)
			var back helper.Request
			if err := json.Unmarshal(line, &back); err != nil || back.Unpack() != nil || len(back.Resources) != n {
				t.Fatalf("the test's request does not read back: %v %s", err, line)
			}
			line = append(line, '\n')
			for size := 64; size < 200; size++ {
				in := bufio.NewReaderSize(bytes.NewReader(append(line, "{\"op\":\"facts\"}\n"...)), size)
				got, err := readLine(in)
				if err == nil {
					err = got.parseHead()
				}
				if err != nil || got.op != helper.OpPlan || got.resources != n || got.brief != brief || got.size != len(line) || got.plain {
					t.Fatalf("%d resources, brief %t, buffer %d: read op %q, %d resources, brief %t, size %d of %d, plain %t, err %v",
						n, brief, size, got.op, got.resources, got.brief, got.size, len(line), got.plain, err)
				}
				if next, _ := readLine(in); string(next.head) != "{\"op\":\"facts\"}\n" || next.parseHead() != nil || next.op != helper.OpFacts {
					t.Fatalf("buffer %d: next line %q", size, next.head)
				}
			}
		}
	}
}

// TestReadLineTellsPlainResources: a plan whose resources are not packed
// is refused rather than answered as if it sent none.
func TestReadLineTellsPlainResources(t *testing.T) {
	line, _ := json.Marshal(helper.Request{Op: helper.OpPlan, Brief: true, Resources: []core.Resource{{Kind: "file", Name: "/f"}}})
	got, err := readLine(bufio.NewReader(bytes.NewReader(append(line, '\n'))))
	if err == nil {
		err = got.parseHead()
	}
	if err != nil || !got.plain {
		t.Fatalf("read %+v, %v", got, err)
	}
	if resp := answer("s1", "198.51.100.1", got); resp.OK || !strings.Contains(resp.Error, "packed") {
		t.Fatalf("a plain plan answered %+v", resp)
	}
}

// TestPlanAnswer: a brief plan is answered every resource unchanged; a
// plan that is not brief is refused rather than answered short.
func TestPlanAnswer(t *testing.T) {
	resp := answer("s1", "198.51.100.1", request{op: helper.OpPlan, resources: 3, brief: true})
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
	if resp := answer("s1", "198.51.100.1", request{op: helper.OpPlan, resources: 3}); resp.OK {
		t.Errorf("a full plan answered: %+v", resp)
	}
	if resp := answer("s1", "198.51.100.1", request{op: helper.OpPlan}); !resp.OK || resp.Same != nil {
		t.Errorf("an empty plan: %+v", resp)
	}
}

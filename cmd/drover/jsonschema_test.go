package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner"
)

// schemaDir holds the JSON Schemas of drover's JSON output.
const schemaDir = "../../docs/json"

// compileSchema compiles docs/json/NAME.schema.json with its siblings.
func compileSchema(dir, name string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if err := c.AddResource("https://drover.example/json/"+filepath.Base(p), doc); err != nil {
			return nil, err
		}
	}
	return c.Compile("https://drover.example/json/" + name + ".schema.json")
}

// checkJSON validates a document, or (lines) each line of data, and
// returns the types of the messages it saw.
func checkJSON(s *jsonschema.Schema, data []byte, lines bool) (map[string]int, error) {
	seen := map[string]int{}
	docs := [][]byte{data}
	if lines {
		docs = nil
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			docs = append(docs, bytes.Clone(sc.Bytes()))
		}
	}
	for i, d := range docs {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(d))
		if err != nil {
			return nil, fmt.Errorf("line %d: not JSON: %v: %s", i+1, err, d)
		}
		if err := s.Validate(v); err != nil {
			return nil, fmt.Errorf("line %d: %v\n%s", i+1, err, d)
		}
		if m, ok := v.(map[string]any); ok {
			if t, ok := m["type"].(string); ok {
				seen[t]++
			}
		}
	}
	return seen, nil
}

// jsonschemaMain is the testscript command `jsonschema [-lines] NAME FILE`:
// FILE (one document, or one per line) against docs/json/NAME.schema.json.
func jsonschemaMain(args []string) int {
	lines := len(args) > 0 && args[0] == "-lines"
	if lines {
		args = args[1:]
	}
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: jsonschema [-lines] NAME FILE")
		return 2
	}
	s, err := compileSchema(os.Getenv("DROVER_SCHEMAS"), args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	seen, err := checkJSON(s, data, lines)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for t, n := range seen {
		fmt.Printf("%s %d\n", t, n)
	}
	return 0
}

// TestSchemas: every message type of the apply stream, as the stream
// writer makes it from a run's events (with an unknown value and a
// sensitive one), validates; so do validate -json and plan -json of real
// configurations.
func TestSchemas(t *testing.T) {
	s, err := compileSchema(schemaDir, "apply-stream")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st := newStream(&out)
	st.now = func() time.Time { return time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC) }
	st.version("apply")
	st.errorf(fmt.Errorf("boom"))
	file := core.Resource{Kind: "file", Name: "/etc/x", Owners: []string{"file.x"},
		Attrs: map[string]string{"content": "secret", "peer": core.Unknown}, Sensitive: []string{"content"}}
	upd := core.Change{Action: core.Update, Resource: file, Fields: []core.FieldChange{{Name: "peer", Old: "a", New: core.Unknown}, {Name: "content", Old: "x", New: "secret"}}}
	plan := &runner.Plan{Hosts: []*runner.HostPlan{
		{Host: "s1", Changes: []core.Change{upd, {Action: core.Replace, Resource: file}, {Action: core.NoOp, Resource: file}}},
		{Host: "s2", Error: "dial tcp: no route", Unreachable: true},
	}}
	st.plan(plan, "apply")
	check := &core.CheckResult{Check: core.Check{Title: "s1 reaches s2", Owner: "network.vx1"}, OK: true}
	for _, ev := range []runner.Event{
		{Type: runner.EventConnected, Host: "s1", Elapsed: time.Second},
		{Type: runner.EventUnreachable, Host: "s2", Error: "no route"},
		{Type: runner.EventApplyStart, Host: "s1", Action: core.Update, ID: "file//etc/x", Owners: []string{"file.x"}},
		{Type: runner.EventApplyProgress, Host: "s1", Action: core.Update, ID: "file//etc/x", Elapsed: 20 * time.Second},
		{Type: runner.EventApplyComplete, Host: "s1", Action: core.Update, ID: "file//etc/x", Elapsed: time.Second},
		{Type: runner.EventApplyErrored, Host: "s1", Action: core.Create, ID: "link/vx1", Error: "exists"},
		{Type: runner.EventRollback, Host: "s1", ID: "container/web-1", Group: "job.web"},
		{Type: runner.EventRollback, Host: "s1", ID: "container/web-2", Group: "job.web", Error: "gone"},
		{Type: runner.EventVerify, Host: "s1", Check: check},
		{Type: runner.EventArmed, Host: "s1", Generation: "g", Deadline: time.Date(2026, 12, 6, 1, 2, 0, 0, time.UTC)},
		{Type: runner.EventArmed, Host: "s2", Generation: "g", Error: "a revert is armed"},
		{Type: runner.EventConfirmed, Host: "s1", Generation: "g"},
		{Type: runner.EventRevert, Host: "s1", Action: core.Update, ID: "file//etc/x", Reason: "verify failed on s1 (s1 reaches s2)"},
		{Type: runner.EventRevert, Host: "s1", Action: core.Create, ID: "link/vx1", Reason: "verify failed", Error: "busy"},
	} {
		st.event(ev)
	}
	st.recap(&runner.Result{Hosts: []*runner.HostResult{{Host: "s1", Applied: []core.Change{upd}, Checks: []core.CheckResult{*check}},
		{Host: "s2", Unreachable: true, Error: "no route"},
		{Host: "s3", Applied: []core.Change{upd}, RolledBack: []string{"file//etc/x"}, RollbackReason: "verify failed", Error: "verify failed"}}}, "apply")
	seen, err := checkJSON(s, out.Bytes(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 17 {
		t.Errorf("message types seen: %v, want all 17", seen)
	}
	if strings.Contains(out.String(), "secret") || strings.Contains(out.String(), `\u0000`) {
		t.Errorf("a sensitive value or the unknown marker in the stream:\n%s", out.String())
	}
	// A schema that accepted anything would prove nothing.
	if _, err := checkJSON(s, []byte(`{"type":"recap","@level":"info","@message":"","@timestamp":"2026-12-06T01:00:00Z"}`), true); err == nil {
		t.Error("a recap without hosts validates")
	}

	for name, args := range map[string][]string{
		"validate": {"validate", "-json", "../../playbooks/vxlan"},
		"plan":     {"plan", "-offline", "-json", "../../playbooks/demo"},
	} {
		s, err := compileSchema(schemaDir, name)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		run(args, &env{stdout: &out, stderr: io.Discard})
		if _, err := checkJSON(s, out.Bytes(), false); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		var v any
		if json.Unmarshal(out.Bytes(), &v) != nil {
			t.Errorf("%s: not JSON", name)
		}
	}
}

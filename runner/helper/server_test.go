package helper

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs/safefstest"
)

// TestMain turns the test binary into a helper when H2T_HELPER_SERVE is
// set, so the end-to-end test can run it inside a network namespace with
// `ip netns exec`.
func TestMain(m *testing.M) {
	if os.Getenv("H2T_HELPER_SERVE") == "1" {
		env := host.Env{RunDir: os.Getenv("H2T_RUN"), LogDir: os.Getenv("H2T_RUN"), UnitDir: os.Getenv("H2T_RUN")}
		if err := Serve(os.Stdin, os.Stdout, ServerOptions{StateDir: os.Getenv("H2T_STATE"), Env: env}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// client is the controller's side of one helper conversation, for tests.
type client struct {
	t   *testing.T
	enc *json.Encoder
	in  io.Closer
	out *bufio.Reader
}

func newClient(t *testing.T, stdin io.WriteCloser, stdout io.Reader) *client {
	c := &client{t: t, enc: json.NewEncoder(stdin), in: stdin, out: bufio.NewReader(stdout)}
	// Noise before the magic line is skipped, as a login shell's would be.
	for {
		line, err := c.out.ReadString('\n')
		if err != nil {
			t.Fatalf("no magic line: %v", err)
		}
		if strings.TrimRight(line, "\n") == Magic {
			return c
		}
	}
}

// call sends req and returns the events and the response.
func (c *client) call(req Request) ([]Event, Response) {
	c.t.Helper()
	if err := c.enc.Encode(req); err != nil {
		c.t.Fatalf("send %s: %v", req.Op, err)
	}
	return c.read(req.Op)
}

// read reads the events and the response that answer one request.
func (c *client) read(what string) ([]Event, Response) {
	c.t.Helper()
	var events []Event
	for {
		line, err := c.out.ReadBytes('\n')
		if err != nil {
			c.t.Fatalf("%s: read: %v", what, err)
		}
		var env Envelope
		if err := json.Unmarshal(line, &env); err != nil {
			c.t.Fatalf("%s: bad line %q: %v", what, line, err)
		}
		if env.Event != "" {
			var ev Event
			json.Unmarshal(line, &ev)
			events = append(events, ev)
			continue
		}
		var resp Response
		json.Unmarshal(line, &resp)
		return events, resp
	}
}

// mustCall is call for requests that must succeed.
func (c *client) mustCall(req Request) ([]Event, Response) {
	c.t.Helper()
	events, resp := c.call(req)
	if !resp.OK {
		c.t.Fatalf("%s failed: %s", req.Op, resp.Error)
	}
	return events, resp
}

// servePipe runs Serve in-process over pipes.
func servePipe(t *testing.T, opts ServerOptions) *client {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := Serve(inR, outW, opts)
		outW.Close()
		done <- err
	}()
	t.Cleanup(func() {
		inW.Close()
		outR.Close() // a Serve still writing gets an error instead of blocking
		if err := <-done; err != nil && err != io.ErrClosedPipe {
			t.Errorf("Serve: %v", err)
		}
	})
	return newClient(t, inW, outR)
}

func TestServeProtocol(t *testing.T) {
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root (files owned by root)")
	}
	dir := safefstest.TempDir(t)
	opts := ServerOptions{StateDir: filepath.Join(dir, "state"), Env: host.Env{RunDir: dir, LogDir: dir, UnitDir: dir}}
	c := servePipe(t, opts)

	if _, resp := c.call(Request{Op: "frobnicate"}); resp.OK || !strings.Contains(resp.Error, "frobnicate") {
		t.Errorf("unknown op: %+v", resp)
	}
	fmt.Fprintln(c.in.(io.Writer), "{not json")
	if _, resp := c.read("bad line"); resp.OK || !strings.Contains(resp.Error, "bad request line") {
		t.Errorf("bad line: %+v", resp)
	}
	// Packed resources that do not add up, or sent as well as plain
	// ones, are refused rather than planned as fewer resources.
	short := &core.Packed{Count: 2, Rows: [][]string{{"/x"}}, Use: []int{0}, Heads: []core.PackedHead{{Kind: "file"}}}
	if _, resp := c.call(Request{Op: OpPlan, Packed: short}); resp.OK || !strings.Contains(resp.Error, "bad request line: packed resources: count 2, but 1 rows") {
		t.Errorf("packed plan that does not add up: %+v", resp)
	}
	both := &core.Packed{Count: 1, Rows: [][]string{{"/x"}}, Use: []int{0}, Heads: []core.PackedHead{{Kind: "file"}}}
	if _, resp := c.call(Request{Op: OpPlan, Packed: both, Resources: []core.Resource{{Kind: "file", Name: "/y"}}}); resp.OK || !strings.Contains(resp.Error, "both plain and packed") {
		t.Errorf("plan sent plain and packed: %+v", resp)
	}

	good := filepath.Join(dir, "etc", "good.conf")
	resources := []core.Resource{
		{Kind: "file", Name: good, Attrs: map[string]string{"content": "ok\n"}, Owners: []string{"web.a"}},
		{Kind: "file", Name: filepath.Join(dir, "etc", "bad.conf"), Attrs: map[string]string{"content": "x\n", "check": "false {}"}, Owners: []string{"web.a"}},
		{Kind: "file", Name: filepath.Join(dir, "etc", "never.conf"), Attrs: map[string]string{"content": "x\n"}},
	}
	_, plan := c.mustCall(Request{Op: OpPlan, Resources: resources})
	events, resp := c.call(Request{Op: OpApply, Changes: plan.Changes, Fingerprint: plan.Fingerprint})
	if resp.OK || !strings.Contains(resp.Error, "bad.conf") || !strings.Contains(resp.Error, "false") {
		t.Errorf("apply with a failing check: %+v", resp)
	}
	if len(events) != 2 || events[0].Event != "applied" || events[1].Event != "failed" || len(resp.Changes) != 1 {
		t.Errorf("events = %+v, applied = %d", events, len(resp.Changes))
	}
	// The failed create stays recorded (as pending: it may exist in
	// part); the change never tried is not.
	_, man := c.mustCall(Request{Op: OpManifest})
	if len(man.Manifest) != 2 || man.Manifest[0].Name != good || man.Manifest[1].Name != filepath.Join(dir, "etc", "bad.conf") {
		t.Errorf("manifest after a failed apply = %+v", man.Manifest)
	}
}

// TestServeEndToEnd runs the helper as its own process inside a fresh
// network namespace, over pipes, as the controller would over SSH: facts,
// lock, plan, apply, plan again (all no-op), checks, a refused stale plan,
// deletes, and a second session refused by the lock.
func TestServeEndToEnd(t *testing.T) {
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root")
	}
	ns := fmt.Sprintf("h2t-e2e-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up: %v: %s", err, out)
	}
	dir := safefstest.TempDir(t)
	state, run := filepath.Join(dir, "state"), filepath.Join(dir, "run")
	start := func() *client {
		cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "H2T_HELPER_SERVE=1", "H2T_STATE="+state, "H2T_RUN="+run)
		cmd.Stderr = os.Stderr
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("helper exit: %v", err)
			}
		})
		return newClient(t, stdin, stdout)
	}
	c := start()
	t.Cleanup(func() { // never leave the test daemon running
		c.call(Request{Op: OpPlan})
		if pid, err := os.ReadFile(filepath.Join(run, "h2t-sleep.pid")); err == nil {
			exec.Command("kill", "-9", strings.TrimSpace(string(pid))).Run()
		}
	})

	_, facts := c.mustCall(Request{Op: OpFacts})
	if facts.Facts == nil || !facts.Facts.HasLinkKind("bridge") || len(facts.Facts.Interfaces) != 1 {
		t.Fatalf("facts in a fresh netns = %+v", facts.Facts)
	}
	c.mustCall(Request{Op: OpLock, Holder: "alice on laptop"})

	conf := filepath.Join(dir, "etc", "app.conf")
	resources := []core.Resource{
		{Kind: "link", Name: "h2br9", Attrs: map[string]string{"type": "bridge", "mtu": "1450"}, Owners: []string{"network.n9"}},
		{Kind: "addr", Name: "h2br9/100.64.9.1/24", Attrs: map[string]string{}, Owners: []string{"network.n9"}},
		{Kind: "sysctl", Name: "net.ipv4.ip_forward", Attrs: map[string]string{"value": "1"}, Owners: []string{"server.s1"}},
		{Kind: "file", Name: conf, Attrs: map[string]string{"content": "port 1\n"}, Owners: []string{"web.w"}},
		{Kind: "service", Name: "h2t-sleep", Attrs: map[string]string{"command": "sleep 1002", "restart_key": "1"}, Owners: []string{"web.w"}},
	}
	_, plan := c.mustCall(Request{Op: OpPlan, Resources: resources})
	if got := changeSummary(plan.Changes); got != "create create update create create" {
		t.Errorf("first plan = %s", got)
	}
	events, applied := c.mustCall(Request{Op: OpApply, Changes: plan.Changes, Fingerprint: plan.Fingerprint})
	if len(events) != 5 || len(applied.Changes) != 5 {
		t.Errorf("apply: %d events, %d changes", len(events), len(applied.Changes))
	}
	_, again := c.mustCall(Request{Op: OpPlan, Resources: resources})
	if got := changeSummary(again.Changes); got != "no-op no-op no-op no-op no-op" {
		t.Errorf("second plan = %s", got)
	}
	checkBrief(t, c, resources, again)
	// Sent as the host completes them (its kinds' defaults in), every
	// no-op is answered by its index alone.
	complete := make([]core.Resource, len(again.Changes))
	for i, ch := range again.Changes {
		complete[i] = ch.Resource
	}
	if _, brief := c.mustCall(Request{Op: OpPlan, Resources: complete, Brief: true}); len(brief.Changes) != 0 || !reflect.DeepEqual(brief.Same, []Run{{0, 5}}) {
		t.Errorf("brief plan of complete resources: %d changes, same %v", len(brief.Changes), brief.Same)
	}
	// A plan only shown is answered every no-op by index, as sent or not.
	if _, shown := c.mustCall(Request{Op: OpPlan, Resources: resources, Brief: true, ShowOnly: true}); len(shown.Changes) != 0 || !reflect.DeepEqual(shown.Same, []Run{{0, 5}}) {
		t.Errorf("plan only shown: %d changes, same %v", len(shown.Changes), shown.Same)
	}
	_, checks := c.mustCall(Request{Op: OpCheck, Checks: []core.Check{
		{Kind: "link", Attrs: map[string]string{"name": "h2br9"}},
		{Kind: "ping", Attrs: map[string]string{"dst": "100.64.9.1", "count": "1"}},
		{Kind: "service", Attrs: map[string]string{"name": "h2t-sleep"}},
	}})
	for _, r := range checks.Results {
		if !r.OK {
			t.Errorf("check %s %v failed: %s", r.Check.Kind, r.Check.Attrs, r.Detail)
		}
	}

	// A second session cannot take the lock, nor apply.
	other := start()
	if _, resp := other.call(Request{Op: OpLock, Holder: "bob"}); resp.OK || !strings.Contains(resp.Error, "host is locked by alice on laptop since") {
		t.Errorf("second lock: %+v", resp)
	}
	if _, resp := other.call(Request{Op: OpApply, Changes: again.Changes}); resp.OK || !strings.Contains(resp.Error, "locked by alice") {
		t.Errorf("second apply: %+v", resp)
	}

	// A plan made before the host changed is refused.
	resources[3].Attrs["content"] = "port 2\n"
	_, stale := c.mustCall(Request{Op: OpPlan, Resources: resources})
	if got := changeSummary(stale.Changes); got != "no-op no-op no-op update no-op" || !strings.Contains(stale.Changes[3].Diff, "+port 2") {
		t.Errorf("content plan = %s %q", got, stale.Changes[3].Diff)
	}
	checkBrief(t, c, resources, stale)
	os.WriteFile(conf, []byte("edited by hand\n"), 0o644)
	if _, resp := c.call(Request{Op: OpApply, Changes: stale.Changes, Fingerprint: stale.Fingerprint}); resp.OK || !strings.Contains(resp.Error, "host changed since the plan was made") {
		t.Errorf("stale apply: %+v", resp)
	}
	if data, _ := os.ReadFile(conf); string(data) != "edited by hand\n" {
		t.Errorf("stale apply changed the file: %q", data)
	}

	// Owners limit deletes; then everything goes, in reverse order.
	_, partial := c.mustCall(Request{Op: OpPlan, Owners: []string{"web.w"}})
	if got := changeSummary(partial.Changes); got != "delete delete" {
		t.Errorf("plan for owner web.w = %s", got)
	}
	_, all := c.mustCall(Request{Op: OpPlan})
	if got := ids(all.Changes); got != "service/h2t-sleep file/"+conf+" sysctl/net.ipv4.ip_forward addr/h2br9/100.64.9.1/24 link/h2br9" {
		t.Errorf("delete order = %s", got)
	}
	c.mustCall(Request{Op: OpApply, Changes: all.Changes, Fingerprint: all.Fingerprint})
	_, man := c.mustCall(Request{Op: OpManifest})
	if len(man.Manifest) != 0 {
		t.Errorf("manifest after destroy = %+v", man.Manifest)
	}
	out, _ := exec.Command("ip", "-n", ns, "-o", "link").CombinedOutput()
	if strings.Contains(string(out), "h2br9") {
		t.Errorf("bridge left: %s", out)
	}
}

// checkBrief asks for a brief plan of resources and checks that it
// expands to full, the answer to the same plan asked in full, and that
// the resources sent packed (as the controller sends them) are answered
// as sent plain.
func checkBrief(t *testing.T, c *client, resources []core.Resource, full Response) {
	t.Helper()
	_, brief := c.mustCall(Request{Op: OpPlan, Resources: resources, Brief: true})
	var p core.Packed
	if err := json.Unmarshal(core.AppendPackedJSON(nil, resources), &p); err != nil {
		t.Fatal(err)
	}
	_, packed := c.mustCall(Request{Op: OpPlan, Packed: &p, Brief: true})
	if got, want := mustJSON(t, packed), mustJSON(t, brief); got != want {
		t.Errorf("brief plan sent packed:\n%s\nsent plain:\n%s", got, want)
	}
	if err := ExpandBrief(resources, &brief, true); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(brief)
	want, _ := json.Marshal(full)
	if string(got) != string(want) {
		t.Errorf("brief plan, expanded:\n%s\nfull:\n%s", got, want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func changeSummary(changes []core.Change) string {
	var s []string
	for _, c := range changes {
		s = append(s, string(c.Action))
	}
	return strings.Join(s, " ")
}

func ids(changes []core.Change) string {
	var s []string
	for _, c := range changes {
		s = append(s, c.Resource.ID())
	}
	return strings.Join(s, " ")
}

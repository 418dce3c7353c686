package transport

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/helper"
)

func startHelper(t *testing.T, conn Conn, bin Binary) *HelperClient {
	t.Helper()
	hc, err := conn.StartHelper(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hc.Close() })
	return hc
}

func TestHelperUploadOnceThenReuse(t *testing.T) {
	_, cfg := setup(t, nil)
	conn := dial(t, cfg)
	bin := fakeBinary(t, "ok")
	ctx := context.Background()

	hc := startHelper(t, conn, bin)
	resp, err := hc.Call(ctx, helper.Request{Op: helper.OpFacts}, nil)
	if err != nil || resp.Facts == nil || resp.Facts.Init != "none" {
		t.Fatalf("facts = %+v, %v", resp, err)
	}
	path := filepath.Join(cfg.HelperDir, "drover-helper-"+bin.Hash()[:16])
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("helper file %s: %v, %v", path, st, err)
	}
	if err := hc.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}

	// Same connection, then a new connection: no more uploads.
	startHelper(t, conn, bin)
	conn2 := dial(t, cfg)
	hc2 := startHelper(t, conn2, bin)
	if _, err := hc2.Call(ctx, helper.Request{Op: helper.OpFacts}, nil); err != nil {
		t.Fatal(err)
	}
	if up, starts := cfg.Stats.Uploads.Load(), cfg.Stats.HelperStarts.Load(); up != 1 || starts != 3 {
		t.Fatalf("uploads = %d, starts = %d; want 1 and 3", up, starts)
	}

	// A new build replaces the old one.
	newer := fakeBinary(t, "ok")
	newer.Data = append(newer.Data, "# v2\n"...)
	startHelper(t, conn2, newer)
	if up := cfg.Stats.Uploads.Load(); up != 2 {
		t.Fatalf("uploads = %d after a new build, want 2", up)
	}
	entries, _ := os.ReadDir(cfg.HelperDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{".verified-" + newer.Hash()[:16], "drover-helper-" + newer.Hash()[:16]}
	if !slices.Equal(names, want) {
		t.Fatalf("helper dir holds %v, want only the new build and its stamp %v", names, want)
	}
}

func TestHelperEventsAndErrors(t *testing.T) {
	_, cfg := setup(t, nil)
	hc := startHelper(t, dial(t, cfg), fakeBinary(t, "ok"))
	ctx := context.Background()
	changes := []core.Change{
		{Action: core.Create, Resource: core.Resource{Kind: "link", Name: "vx0"}},
		{Action: core.Update, Resource: core.Resource{Kind: "addr", Name: "100.64.10.1/24"}},
	}
	var events []helper.Event
	resp, err := hc.Call(ctx, helper.Request{Op: helper.OpApply, Changes: changes}, func(ev helper.Event) {
		events = append(events, ev)
	})
	if err != nil || !resp.OK || len(resp.Changes) != 2 {
		t.Fatalf("apply = %+v, %v", resp, err)
	}
	if len(events) != 2 || events[0].Event != "applied" || events[1].Change.Resource.ID() != "addr/100.64.10.1/24" {
		t.Fatalf("events = %+v", events)
	}

	resp, err = hc.Call(ctx, helper.Request{Op: helper.OpPlan}, nil)
	wantError(t, err, "s1 (127.0.0.1:", "plan failed: link/vx0: Error: Unknown device type.")
	if resp.OK || resp.Error == "" {
		t.Fatalf("failed plan response = %+v", resp)
	}
	// A failed request does not break the helper.
	if _, err := hc.Call(ctx, helper.Request{Op: helper.OpFacts}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestHelperNoiseBeforeMagic(t *testing.T) {
	_, cfg := setup(t, func(s *testServer) {
		s.noise = "Welcome to s1!\r\nLast login: yesterday\nno newline before the magic:"
	})
	hc := startHelper(t, dial(t, cfg), fakeBinary(t, "ok"))
	if _, err := hc.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestHelperWrongMagic(t *testing.T) {
	_, cfg := setup(t, nil)
	_, err := dial(t, cfg).StartHelper(context.Background(), fakeBinary(t, "wrongmagic"))
	wantError(t, err, "s1 (127.0.0.1:", fmt.Sprintf("the helper speaks protocol %d, this drover speaks %d", helper.Version+1, helper.Version))
}

func TestHelperNoMagic(t *testing.T) {
	_, cfg := setup(t, func(s *testServer) { s.noise = "motd\n" })
	_, err := dial(t, cfg).StartHelper(context.Background(), fakeBinary(t, "nomagic"))
	wantError(t, err, "s1 (127.0.0.1:", "the helper did not start (status 1)",
		"cannot open /var/lib/drover/manifest.json: permission denied", "its output began: motd | starting up")
}

func TestHelperDies(t *testing.T) {
	_, cfg := setup(t, nil)
	hc := startHelper(t, dial(t, cfg), fakeBinary(t, "ok"))
	_, err := hc.Call(context.Background(), helper.Request{Op: "crash"}, nil)
	wantError(t, err, "s1 (127.0.0.1:", `the helper died during "crash" (status 2)`, "panic: something broke in the fake helper")
	_, again := hc.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil)
	if again == nil || again.Error() != err.Error() {
		t.Fatalf("call after death = %v, want %v", again, err)
	}
}

func TestHelperGarbage(t *testing.T) {
	_, cfg := setup(t, nil)
	hc := startHelper(t, dial(t, cfg), fakeBinary(t, "ok"))
	_, err := hc.Call(context.Background(), helper.Request{Op: "garbage"}, nil)
	wantError(t, err, `answered "garbage" with a line that is not protocol JSON: "this is not JSON"`)
}

func TestHelperCallCancel(t *testing.T) {
	_, cfg := setup(t, nil)
	conn := dial(t, cfg)
	hc := startHelper(t, conn, fakeBinary(t, "ok"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := hc.Call(ctx, helper.Request{Op: "sleep"}, nil)
	wantError(t, err, "s1 (127.0.0.1:", "sleep: context deadline exceeded")
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancelled call took %s", d)
	}
	_, err = hc.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil)
	wantError(t, err, `the helper was stopped when a "sleep" request was cancelled`)
	if err := hc.Close(); err != nil {
		t.Fatalf("Close after a cancelled call = %v", err)
	}
	// A new helper on the same connection works.
	hc2 := startHelper(t, conn, fakeBinary(t, "ok"))
	if _, err := hc2.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestHelperCorruptFileIsReplaced(t *testing.T) {
	_, cfg := setup(t, nil)
	bin := fakeBinary(t, "ok")
	os.MkdirAll(cfg.HelperDir, 0o755)
	path := filepath.Join(cfg.HelperDir, "drover-helper-"+bin.Hash()[:16])
	os.WriteFile(path, []byte("#!/bin/sh\necho truncated\n"), 0o755)
	hc := startHelper(t, dial(t, cfg), bin)
	if _, err := hc.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil); err != nil {
		t.Fatal(err)
	}
	if up := cfg.Stats.Uploads.Load(); up != 1 {
		t.Fatalf("uploads = %d, want 1", up)
	}
}

func TestHelperArchMismatch(t *testing.T) {
	_, cfg := setup(t, nil)
	conn := dial(t, cfg)
	arch, err := Arch(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	bin := fakeBinary(t, "ok")
	bin.Arch = "riscv64"
	if arch == "riscv64" {
		bin.Arch = "amd64"
	}
	_, err = conn.StartHelper(context.Background(), bin)
	wantError(t, err, "s1 (127.0.0.1:", "the helper binary is built for "+bin.Arch+" but the server is "+arch)
	if up := cfg.Stats.Uploads.Load(); up != 0 {
		t.Fatalf("uploaded a helper for the wrong architecture")
	}
	bin.Arch = arch
	startHelper(t, conn, bin)
}

func TestHelperConcurrentStartsUploadOnce(t *testing.T) {
	_, cfg := setup(t, nil)
	conn := dial(t, cfg)
	bin := fakeBinary(t, "ok")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			hc, err := conn.StartHelper(context.Background(), bin)
			if err == nil {
				_, err = hc.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil)
				hc.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if up := cfg.Stats.Uploads.Load(); up != 1 {
		t.Fatalf("uploads = %d, want 1", up)
	}
}

func TestLocalConn(t *testing.T) {
	stats := &Stats{}
	local := &LocalConn{HelperDir: t.TempDir(), Stats: stats}
	ctx := context.Background()
	out, _, err := local.Run(ctx, "echo local; cat", strings.NewReader("in"))
	if err != nil || string(out) != "local\nin" {
		t.Fatalf("Run = %q, %v", out, err)
	}
	_, _, err = local.Run(ctx, "echo bad >&2; exit 4", nil)
	wantError(t, err, "local: `echo bad >&2; exit 4` exited with status 4: bad")

	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = local.Run(tctx, "sleep 30; echo never", nil)
	wantError(t, err, "deadline exceeded")
	if time.Since(start) > 5*time.Second {
		t.Fatal("cancelled local Run did not stop the command")
	}

	bin := fakeBinary(t, "ok")
	for range 2 {
		hc, err := local.StartHelper(ctx, bin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hc.Call(ctx, helper.Request{Op: helper.OpFacts}, nil); err != nil {
			t.Fatal(err)
		}
		if err := hc.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if stats.Uploads.Load() != 1 || stats.HelperStarts.Load() != 2 {
		t.Fatalf("uploads = %d, starts = %d", stats.Uploads.Load(), stats.HelperStarts.Load())
	}
	if Local(false) == nil {
		t.Fatal("Local returned nil")
	}
}

// TestBecomeWrapsInSudo runs the bootstrap through `sudo -n`, as root, so
// that the quoting of the wrapped scripts is exercised for real.
func TestBecomeWrapsInSudo(t *testing.T) {
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root (sudo -n must not ask for a password)")
	}
	if _, err := exec.LookPath("sudo"); err != nil {
		testkit.Skip(t, "sudo is not installed")
	}
	local := &LocalConn{Name: "local"}
	setup := helperSetup{dir: filepath.Join(t.TempDir(), "it's here"), sudo: true, stats: &Stats{}}
	var cache helperCache
	hc, err := cache.start(context.Background(), local, setup, fakeBinary(t, "ok"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	if _, err := hc.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil); err != nil {
		t.Fatal(err)
	}
	if setup.stats.Uploads.Load() != 1 {
		t.Fatal("no upload through sudo")
	}
}

func TestScriptsQuoteAndWrap(t *testing.T) {
	s := helperSetup{dir: "/var/lib/drover/bin", sudo: true}
	bin := Binary{Data: []byte("x")}
	got := s.wrap(s.startScript(bin))
	if !strings.HasPrefix(got, "sudo -n sh -c '") {
		t.Fatalf("wrapped start script = %q", got)
	}
	if !strings.Contains(got, "drover-helper-"+bin.Hash()[:16]) || !strings.Contains(got, bin.Hash()) {
		t.Fatalf("start script lacks the path or hash: %q", got)
	}
	s.sudo = false
	if got := s.wrap("true"); got != "true" {
		t.Fatalf("wrap without sudo = %q", got)
	}
}

func TestGOARCH(t *testing.T) {
	for in, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386", "s390x": "s390x"} {
		if got := GOARCH(in); got != want {
			t.Errorf("GOARCH(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHelperPipelinedFirst sends requests with the helper's start: their
// answers come back in order, also when the start had to upload the helper
// first (the script discards them, and the second start sends them again),
// and a caller that asks something else first gets its own answer.
func TestHelperPipelinedFirst(t *testing.T) {
	_, cfg := setup(t, nil)
	conn := dial(t, cfg)
	bin := fakeBinary(t, "ok")
	ctx := context.Background()
	first := []helper.Request{{Op: helper.OpFacts}, {Op: "pipelined"}}
	hc, err := conn.StartHelper(ctx, bin, first...)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	if up := cfg.Stats.Uploads.Load(); up != 1 {
		t.Fatalf("uploads = %d, want 1", up)
	}
	if resp, err := hc.Call(ctx, first[0], nil); err != nil || resp.Facts == nil {
		t.Fatalf("pipelined facts = %+v, %v", resp, err)
	}
	if _, err := hc.Call(ctx, first[1], nil); err == nil || !strings.Contains(err.Error(), "unknown op pipelined") {
		t.Fatalf("pipelined second request: %v", err)
	}
	if resp, err := hc.Call(ctx, first[0], nil); err != nil || resp.Facts == nil {
		t.Fatalf("facts after the pipelined ones = %+v, %v", resp, err)
	}

	hc2, err := conn.StartHelper(ctx, bin, first...)
	if err != nil {
		t.Fatal(err)
	}
	defer hc2.Close()
	if _, err := hc2.Call(ctx, helper.Request{Op: "other"}, nil); err == nil || !strings.Contains(err.Error(), "unknown op other") {
		t.Fatalf("a request other than the pipelined ones: %v", err)
	}
	if resp, err := hc2.Call(ctx, first[0], nil); err != nil || resp.Facts == nil {
		t.Fatalf("facts after skipping the pipelined answers = %+v, %v", resp, err)
	}
}

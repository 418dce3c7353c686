package main

// Benchmarks of drover as people run it (`make bench`):
//
//   - BenchmarkApplyNoop, BenchmarkApplyNoopCLI: a no-op `drover apply` of
//     the 3-host demo lab, wall time including SSH connect, helper start,
//     facts, plan, apply and verify; the first apply is measured once.
//   - BenchmarkPlanOffline1000: `drover plan -offline` of a generated
//     1,000-server cluster (load, validate, expand, render).
//   - BenchmarkLoad1000: lang alone on the same folder.
//
// The lab benchmarks need root and sshd and skip themselves otherwise; each
// builds its own lab in a temporary folder (lab IDs derive from the state
// folder's path) and takes it down when it ends, failed or not.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drover/drover/bench"
	"github.com/drover/drover/lab"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/runner"
)

// BenchmarkApplyNoop measures a no-op apply at the runner level, exactly as
// `drover apply -auto-approve` does it (load, lab options, Open, Lock,
// Plan, Apply, verify, Close), so that every run's transport statistics can
// be checked: one SSH connection and one helper start per host, and no
// helper upload after the first apply.
func BenchmarkApplyNoop(b *testing.B) {
	dir, hosts, labUp := benchLab(b)
	ctx := context.Background()

	start := time.Now()
	first, err := applyOnce(ctx, dir)
	if err != nil {
		b.Fatalf("first apply: %v", err)
	}
	firstApply := time.Since(start)
	if first.changed == 0 {
		b.Fatalf("the first apply of a fresh lab changed nothing")
	}
	if first.dials != hosts || first.uploads != hosts {
		b.Fatalf("first apply: %d SSH connections and %d helper uploads; want %d of each", first.dials, first.uploads, hosts)
	}

	var dials, starts, uploads int64
	var phases phaseTimes
	cpu := startCPU()
	for b.Loop() {
		r, err := applyOnce(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		if r.changed != 0 || r.planned {
			b.Fatalf("a no-op apply planned changes or changed %d resources", r.changed)
		}
		if r.dials != hosts || r.starts != hosts || r.uploads != 0 {
			b.Fatalf("a no-op apply made %d SSH connections, %d helper starts and %d uploads; want %d, %d, 0",
				r.dials, r.starts, r.uploads, hosts, hosts)
		}
		dials, starts, uploads = dials+r.dials, starts+r.starts, uploads+r.uploads
		phases.add(r.phases)
	}
	cpu.report(b)
	// Metrics reported before b.Loop would be reset by it.
	b.ReportMetric(ms(labUp), "lab-up-ms")
	b.ReportMetric(ms(firstApply), "first-apply-ms")
	b.ReportMetric(float64(dials)/float64(b.N), "ssh-conns/op")
	b.ReportMetric(float64(starts)/float64(b.N), "helper-starts/op")
	b.ReportMetric(float64(uploads)/float64(b.N), "uploads/op")
	phases.report(b, b.N)
}

// BenchmarkApplyNoopCLI measures `drover apply -auto-approve DIR` through
// the CLI's run function, output and all. The SSH logins are counted where
// they happen, in each lab host's sshd log (exactly one per host and run),
// together with connections that end before a login; the helper binaries
// on the hosts must be the same files (inode and ctime) after the runs as
// after the first apply.
func BenchmarkApplyNoopCLI(b *testing.B) {
	dir, hosts, labUp := benchLab(b)
	st, err := lab.Status(labDir(dir))
	if err != nil || st == nil {
		b.Fatalf("lab status of %s: %v", dir, err)
	}

	start := time.Now()
	out, err := runCLI("apply", "-auto-approve", dir)
	if err != nil {
		b.Fatalf("first apply: %v", err)
	}
	firstApply := time.Since(start)
	if strings.Contains(out, "Apply complete: 0 changed") {
		b.Fatalf("the first apply of a fresh lab changed nothing:\n%s", out)
	}
	helpers := helperFiles(b, st)
	sshd := newSSHDCounter(st)
	if _, _, err := sshd.count(); err != nil {
		b.Fatalf("first apply: want one SSH login per host (upload included): %v", err)
	}

	var logins, probes int64
	cpu := startCPU()
	for b.Loop() {
		out, err := runCLI("apply", "-auto-approve", dir)
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(out, "Apply complete: 0 changed, 0 host(s) failed.") {
			b.Fatalf("a no-op apply changed something:\n%s", out)
		}
		n, pre, err := sshd.count()
		if err != nil || n != hosts {
			b.Fatalf("a no-op apply logged in %d times (sshd logs; want %d, one per host): %v", n, hosts, err)
		}
		logins, probes = logins+n, probes+pre
	}
	cpu.report(b)
	if after := helperFiles(b, st); after != helpers {
		b.Fatalf("the helpers on the hosts changed during no-op applies:\nbefore:\n%s\nafter:\n%s", helpers, after)
	}
	b.ReportMetric(ms(labUp), "lab-up-ms")
	b.ReportMetric(ms(firstApply), "first-apply-ms")
	b.ReportMetric(float64(logins)/float64(b.N), "ssh-logins/op")
	b.ReportMetric(float64(probes)/float64(b.N), "sshd-preauth-conns/op")
}

// BenchmarkPlanOffline1000 measures `drover plan -offline DIR` of a
// generated 1,000-server cluster through the CLI's run function: load,
// validate, expand every module and render the plan. The plan is written
// to /dev/null through an *os.File, as the CLI writes to its stdout, so
// that the cost of the writes is counted too.
func BenchmarkPlanOffline1000(b *testing.B) {
	dir := largeCluster(b)
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	b.ReportAllocs()
	runtime.GC()
	heap := watchHeap(time.Millisecond)
	var stderr bytes.Buffer
	cpu := startCPU()
	for b.Loop() {
		stderr.Reset()
		e := &env{stdin: strings.NewReader(""), stdout: devNull, stderr: &stderr}
		if code := run([]string{"plan", "-offline", dir}, e); code != 0 {
			b.Fatalf("plan -offline exited %d:\n%s", code, stderr.String())
		}
	}
	cpu.report(b)
	heap.report(b)
}

// BenchmarkLoad1000 measures lang alone on the 1,000-server folder: parse,
// evaluate and validate.
func BenchmarkLoad1000(b *testing.B) {
	dir := largeCluster(b)
	b.ReportAllocs()
	runtime.GC()
	heap := watchHeap(time.Millisecond)
	cpu := startCPU()
	for b.Loop() {
		c, diags := lang.Load(dir, lang.Options{Kinds: modules.Kinds()})
		if diags.HasErrors() || len(c.Servers) != bench.Large().Servers {
			b.Fatalf("load: %d servers, %s", len(c.Servers), diags.Error())
		}
	}
	cpu.report(b)
	heap.report(b)
}

// TestPlanOfflineLarge keeps the 1,000-server benchmark honest in the
// ordinary test run: the generated cluster plans offline without errors.
func TestPlanOfflineLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("plans 1,000 servers; skipped with -short")
	}
	dir := largeCluster(t)
	out, err := runCLI("plan", "-offline", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`Plan: \d{4,} to add, 0 to change, 0 to destroy\.`).MatchString(out) {
		t.Fatalf("unexpected summary: %s", lastLine(out))
	}
}

// applyStats is what one apply did, and how long each phase took.
type applyStats struct {
	planned                bool // the plan had changes
	changed                int
	dials, starts, uploads int64
	phases                 phaseTimes
	checks, failedChecks   int // verify's checks run, and those that failed
}

// phaseTimes are the wall times of an apply's phases, as the CLI runs them.
type phaseTimes struct {
	load    time.Duration // lang.Load of the folder
	options time.Duration // the lab's state and SSH settings (lab.Status)
	open    time.Duration // SSH, helper start and facts of every host
	lock    time.Duration // the hosts' apply locks
	plan    time.Duration // expansion and the helpers' diffs
	apply   time.Duration // apply (nothing to do) and verify
	close   time.Duration // helpers stopped, connections closed
}

func (p *phaseTimes) add(q phaseTimes) {
	p.load += q.load
	p.options += q.options
	p.open += q.open
	p.lock += q.lock
	p.plan += q.plan
	p.apply += q.apply
	p.close += q.close
}

// report reports each phase's mean over n runs, in ms per op.
func (p phaseTimes) report(b *testing.B, n int) {
	for _, ph := range []struct {
		name string
		d    time.Duration
	}{
		{"load", p.load}, {"options", p.options}, {"open", p.open}, {"lock", p.lock},
		{"plan", p.plan}, {"apply+verify", p.apply}, {"close", p.close},
	} {
		b.ReportMetric(ms(ph.d)/float64(n), ph.name+"-ms/op")
	}
}

// applyOnce is `drover apply -auto-approve dir` at the runner level, with
// the CLI's own loading, lab options and views (printed to io.Discard).
func applyOnce(ctx context.Context, dir string) (applyStats, error) {
	var st applyStats
	lap := lapTimer()
	var diags bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &diags}
	f := newFlags(e, "apply").withVars()
	rf := addRunFlags(f)
	if _, err := f.parse(nil); err != nil {
		return st, err
	}
	c := load(e, dir, f, false)
	if c == nil {
		return st, fmt.Errorf("%s does not load:\n%s", dir, diags.String())
	}
	e.stderr = io.Discard // progress lines, as the CLI prints them
	st.phases.load = lap()
	opts, err := options(e, dir, rf)
	if err != nil {
		return st, err
	}
	st.phases.options = lap()
	s := runner.Open(ctx, c, opts)
	defer s.Close()
	st.phases.open = lap()
	s.Lock(ctx)
	st.phases.lock = lap()
	p, err := s.Plan(ctx, false)
	if err != nil {
		return st, err
	}
	printPlan(e.stdout, p, palette{})
	st.phases.plan = lap()
	res := s.Apply(ctx, p)
	printRecap(e.stdout, res, false, palette{})
	st.phases.apply = lap()
	s.Close()
	st.phases.close = lap()
	for _, h := range res.Hosts {
		for _, c := range h.Checks {
			st.checks++
			if !c.OK {
				st.failedChecks++
			}
		}
	}
	if res.Failed() {
		var buf bytes.Buffer
		printRecap(&buf, res, false, palette{})
		return st, fmt.Errorf("apply failed:%s", buf.String())
	}
	st.planned, st.changed = p.HasChanges(), res.Changed()
	st.dials, st.starts, st.uploads = s.Stats.Dials.Load(), s.Stats.HelperStarts.Load(), s.Stats.Uploads.Load()
	return st, nil
}

// lapTimer returns a function that returns the time since its last call.
func lapTimer() func() time.Duration {
	last := time.Now()
	return func() time.Duration {
		now := time.Now()
		d := now.Sub(last)
		last = now
		return d
	}
}

// runCLI runs drover with args and returns its stdout; a non-zero exit is
// an error carrying both outputs.
func runCLI(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	if code := run(args, e); code != 0 {
		return stdout.String(), fmt.Errorf("drover %s exited %d:\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// benchLab brings up the lab of a temporary copy of playbooks/vxlan and
// returns the copy's folder, the number of hosts and how long `drover lab
// up` took. The lab goes down when the benchmark ends.
func benchLab(b *testing.B) (string, int64, time.Duration) {
	if os.Geteuid() != 0 {
		b.Skip("the lab needs root")
	}
	if _, err := exec.LookPath("sshd"); err != nil {
		if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
			b.Skip("the lab needs openssh-server (sshd)")
		}
	}
	b.Setenv("DROVER_HELPER_DIR", benchHelperDir(b))
	dir := filepath.Join(b.TempDir(), "vxlan")
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	copyHCL(b, filepath.Join("..", "..", "playbooks", "vxlan"), dir)
	b.Cleanup(func() {
		if err := lab.Down(labDir(dir), nil); err != nil {
			b.Errorf("lab down: %v", err)
		}
	})
	start := time.Now()
	out, err := runCLI("lab", "up", dir)
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	st, err := lab.Status(labDir(dir))
	if err != nil || st == nil {
		b.Fatalf("lab status after up (%s): %v", strings.TrimSpace(out), err)
	}
	return dir, int64(len(st.Hosts)), took
}

func copyHCL(tb testing.TB, from, to string) {
	paths, err := filepath.Glob(filepath.Join(from, "*.hcl"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no *.hcl in %s: %v", from, err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err == nil {
			err = os.WriteFile(filepath.Join(to, filepath.Base(p)), data, 0o644)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// benchHelperDir returns a folder holding this machine's helper build: the
// one make built (DROVER_HELPER_DIR), else a fresh build.
func benchHelperDir(tb testing.TB) string {
	name := "drover-helper-linux-" + runtime.GOARCH
	if d := os.Getenv("DROVER_HELPER_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, name)); err == nil {
			return d
		}
	}
	d := tb.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(d, name),
		"github.com/drover/drover/cmd/drover-helper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building the helper: %v\n%s", err, out)
	}
	return d
}

// helperFiles lists the helper binaries of every lab host with their inode
// and change time: an upload replaces the file, so the list changes.
func helperFiles(b *testing.B, st *lab.State) string {
	var out strings.Builder
	for _, h := range st.Hosts {
		var buf, errBuf bytes.Buffer
		script := `for f in /var/lib/drover/bin/drover-helper-*; do stat -c '%n %i %z' "$f"; done`
		if err := st.Exec(context.Background(), h.Name, []string{"sh", "-c", script}, nil, &buf, &errBuf); err != nil {
			b.Fatalf("listing the helpers of %s: %v: %s", h.Name, err, errBuf.String())
		}
		fmt.Fprintf(&out, "%s: %s", h.Name, buf.String())
	}
	return out.String()
}

// sshdCounter counts, in the lab hosts' sshd logs, the connections since
// its last call: SSH logins, and connections closed before logging in
// (such as the SSH banner probe of lab.Status).
type sshdCounter struct {
	logs   []string
	offset []int
}

func newSSHDCounter(st *lab.State) *sshdCounter {
	sc := &sshdCounter{}
	for _, h := range st.Hosts {
		sc.logs = append(sc.logs, h.Log)
	}
	sc.offset = make([]int, len(sc.logs))
	return sc
}

// count returns the logins and pre-login connections logged since the last
// call, and an error when a host did not log exactly one login.
func (sc *sshdCounter) count() (logins, preauth int64, err error) {
	var errs []string
	for i, path := range sc.logs {
		data, err := os.ReadFile(path)
		if err != nil {
			return 0, 0, err
		}
		fresh := data[min(sc.offset[i], len(data)):]
		sc.offset[i] = len(data)
		n := int64(bytes.Count(fresh, []byte("Accepted publickey for ")))
		if n != 1 {
			errs = append(errs, fmt.Sprintf("%s: %d logins", path, n))
		}
		logins += n
		preauth += int64(bytes.Count(fresh, []byte("[preauth]")))
	}
	if len(errs) > 0 {
		return logins, preauth, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return logins, preauth, nil
}

// largeCluster writes bench.Large() into a temporary folder.
func largeCluster(tb testing.TB) string {
	dir := tb.TempDir()
	if err := bench.Write(dir, bench.Large()); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// heapWatch samples the heap while a benchmark runs and keeps the highest
// values: in use (live and not yet swept objects) and live after a GC.
type heapWatch struct {
	stop, done chan struct{}
	peak, live uint64
}

func watchHeap(every time.Duration) *heapWatch {
	w := &heapWatch{stop: make(chan struct{}), done: make(chan struct{})}
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			w.peak = max(w.peak, samples[0].Value.Uint64())
			w.live = max(w.live, samples[1].Value.Uint64())
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// report stops the sampling and reports the peaks in MB.
func (w *heapWatch) report(b *testing.B) {
	close(w.stop)
	<-w.done
	b.ReportMetric(float64(w.peak)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(w.live)/1e6, "peak-live-MB")
}

// cpuMeter measures the CPU time (user and system, all threads) this
// process spends, which other load on the machine disturbs less than the
// wall time.
type cpuMeter struct{ start time.Duration }

func startCPU() cpuMeter { return cpuMeter{processCPU()} }

// report reports the CPU time per op since startCPU, in ms.
func (c cpuMeter) report(b *testing.B) {
	b.ReportMetric(ms(processCPU()-c.start)/float64(b.N), "cpu-ms/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

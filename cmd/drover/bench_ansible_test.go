package main

// drover against Ansible on the same work, and drover as the lab grows
// (`make bench`, issue 6). These are tests, not Go benchmarks: an
// Ansible run takes tens of seconds, so each figure is measured a fixed,
// small number of times on fresh labs, printed as a table, and the counts
// that make drover fast are asserted on every run (one SSH login per host
// per run, read from the hosts' sshd logs; the helper uploaded once per
// host and never again).
//
//   - TestBenchVsAnsible: playbooks/generic (20 file/line/command-like
//     resources per host) and playbooks/bench-net (VXLAN + BGP + haproxy),
//     each applied by `drover apply` and by ansible-playbook (their
//     ansible/ folders) on fresh 3-host labs: first apply and no-op apply.
//   - TestBenchScale: the generic resources on 3, 10 and 50 hosts: lab up,
//     first apply, no-op apply with the default parallelism (and 50 hosts
//     with -parallel 50).
//
// They run only with DROVER_BENCH=1, as root, with sshd and (for the
// comparison) ansible-playbook; `make bench` installs Ansible (Debian's
// ansible-core) and sets DROVER_BIN to the drover it built.

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/lab"
)

// Repetitions: drover's runs are cheap, Ansible's are not.
const (
	droverFirstRuns = 3  // fresh labs for drover's first apply
	droverNoopRuns  = 10 // no-op applies after it
	ansibleRuns     = 1  // first and no-op runs of ansible-playbook
	scaleNoopRuns   = 5
)

// Targets of issue 6, printed next to the figures.
const (
	targetNoop3     = 300 * time.Millisecond
	targetNoopRatio = 30.0
	targetFirstGen  = 20.0
	targetNoop50    = 3 * time.Second
)

// benchWork is one workload of the comparison.
type benchWork struct {
	name     string
	playbook string                       // folder under playbooks/
	prepare  func(*testing.T, *lab.State) // on every fresh lab, not timed
}

func TestBenchVsAnsible(t *testing.T) {
	drover := benchPrereqs(t)
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		t.Skip("needs ansible-playbook (make deps-bench installs Debian's ansible-core)")
	}
	works := []benchWork{
		{name: "generic: 20 resources x 3 hosts", playbook: "generic"},
		{name: "bench-net: VXLAN + BGP + haproxy + backends", playbook: "bench-net"},
	}
	var rows []comparison
	for _, w := range works {
		t.Run(w.playbook, func(t *testing.T) { rows = append(rows, compare(t, drover, w)) })
	}
	printComparison(rows)
}

// comparison is one workload's figures.
type comparison struct {
	work                       string
	droverFirst, droverNoop    time.Duration // medians
	ansibleFirst, ansibleNoop  time.Duration
	droverChanged, ansChanged  int // changes made by the first runs
	logins, uploads, noopHosts int // per-run checks that passed
}

func compare(t *testing.T, drover string, w benchWork) comparison {
	c := comparison{work: w.name}
	var firsts []time.Duration
	var dir string
	var st *lab.State
	for i := range droverFirstRuns {
		dir, st = benchLabOf(t, drover, w, fmt.Sprintf("drover%d", i))
		logins := newSSHDCounter(st)
		d, out := timedApply(t, drover, dir)
		firsts = append(firsts, d)
		c.droverChanged = appliedCount(t, out)
		if c.droverChanged == 0 {
			t.Fatalf("drover's first apply of a fresh lab changed nothing:\n%s", out)
		}
		if _, _, err := logins.count(); err != nil {
			t.Fatalf("drover's first apply: want one SSH login per host, upload included: %v", err)
		}
		if i < droverFirstRuns-1 {
			benchLabDown(t, dir)
		}
	}
	helpers := helperInodes(t, st)
	c.droverFirst = medianDur(firsts)
	c.droverNoop = noopApplies(t, drover, dir, st, droverNoopRuns, nil)
	if after := helperInodes(t, st); after != helpers {
		t.Fatalf("a helper was uploaded again during no-op applies:\nbefore:\n%s\nafter:\n%s", helpers, after)
	}
	benchLabDown(t, dir)

	adir, ast := benchLabOf(t, drover, w, "ansible")
	first, changed := runAnsible(t, adir, ast)
	if changed == 0 {
		t.Fatalf("ansible's first run on a fresh lab changed nothing")
	}
	c.ansibleFirst, c.ansChanged = first, changed
	var noops []time.Duration
	for range ansibleRuns {
		d, changed := runAnsible(t, adir, ast)
		if changed != 0 {
			t.Fatalf("ansible's second run changed %d things: the playbook is not idempotent", changed)
		}
		noops = append(noops, d)
	}
	c.ansibleNoop = medianDur(noops)
	benchLabDown(t, adir)
	return c
}

func printComparison(rows []comparison) {
	var b strings.Builder
	fmt.Fprintf(&b, "\ndrover vs Ansible (ansible-core, pipelining, forks 10), wall time; drover: median of %d first applies on fresh labs and %d no-op applies, Ansible: %d run each\n",
		droverFirstRuns, droverNoopRuns, ansibleRuns)
	fmt.Fprintf(&b, "%-34s %-9s %10s %10s %8s  %s\n", "workload", "run", "drover", "ansible", "ratio", "target")
	for _, r := range rows {
		first := speedup(r.ansibleFirst, r.droverFirst)
		noop := speedup(r.ansibleNoop, r.droverNoop)
		firstTarget := "-"
		if strings.HasPrefix(r.work, "generic") {
			firstTarget = targetVerdict(first >= targetFirstGen, fmt.Sprintf(">= %.0fx", targetFirstGen))
		}
		fmt.Fprintf(&b, "%-34s %-9s %10s %10s %7.1fx  %s\n", r.work, "first", roundDur(r.droverFirst), roundDur(r.ansibleFirst), first, firstTarget)
		fmt.Fprintf(&b, "%-34s %-9s %10s %10s %7.1fx  %s, %s\n", "", "no-op", roundDur(r.droverNoop), roundDur(r.ansibleNoop), noop,
			targetVerdict(r.droverNoop <= targetNoop3, "<= "+targetNoop3.String()),
			targetVerdict(noop >= targetNoopRatio, fmt.Sprintf(">= %.0fx", targetNoopRatio)))
		fmt.Fprintf(&b, "%-34s changes on the first run: drover %d resources, ansible %d tasks\n", "", r.droverChanged, r.ansChanged)
	}
	b.WriteString("Every drover run: one SSH login per host (sshd logs); helper uploaded once per host on the first apply, never on no-op applies.\n")
	fmt.Print(b.String())
}

// TestBenchScale applies the generic resources to labs of 3, 10 and 50
// hosts and prints how lab up, first apply and no-op apply grow.
func TestBenchScale(t *testing.T) {
	drover := benchPrereqs(t)
	type row struct {
		hosts, parallel    int
		labUp, first, noop time.Duration
	}
	var rows []row
	for _, n := range []int{3, 10, 50} {
		t.Run(fmt.Sprintf("%d hosts", n), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "scale")
			writeScaleCluster(t, dir, n)
			start := time.Now()
			st := benchLabUp(t, drover, dir)
			up := time.Since(start)
			logins := newSSHDCounter(st)
			first, out := timedApply(t, drover, dir)
			if got := appliedCount(t, out); got != 20*n {
				t.Fatalf("first apply of %d hosts changed %d resources, want %d", n, got, 20*n)
			}
			if _, _, err := logins.count(); err != nil {
				t.Fatalf("first apply: want one SSH login per host: %v", err)
			}
			rows = append(rows, row{hosts: n, parallel: 10, labUp: up, first: first,
				noop: noopApplies(t, drover, dir, st, scaleNoopRuns, nil)})
			if n >= 50 {
				rows = append(rows, row{hosts: n, parallel: n,
					noop: noopApplies(t, drover, dir, st, scaleNoopRuns, []string{"-parallel", strconv.Itoa(n)})})
			}
			benchLabDown(t, dir)
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ndrover as the lab grows: the generic playbook's 20 resources per host (wall time; no-op: median of %d)\n", scaleNoopRuns)
	fmt.Fprintf(&b, "%6s %9s %9s %12s %12s %14s  %s\n", "hosts", "parallel", "lab up", "first apply", "no-op apply", "no-op per host", "target")
	for _, r := range rows {
		target := "-"
		if r.hosts >= 50 && r.parallel == 10 {
			target = targetVerdict(r.noop <= targetNoop50, "<= "+targetNoop50.String())
		}
		fmt.Fprintf(&b, "%6d %9d %9s %12s %12s %14s  %s\n", r.hosts, r.parallel, durOrDash(r.labUp), durOrDash(r.first),
			roundDur(r.noop), roundDur(r.noop/time.Duration(r.hosts)), target)
	}
	fmt.Print(b.String())
}

// benchPrereqs skips unless the bench was asked for and can run, and
// returns the drover executable to time.
func benchPrereqs(t *testing.T) string {
	if os.Getenv("DROVER_BENCH") == "" {
		t.Skip("a benchmark: set DROVER_BENCH=1 (make bench)")
	}
	if os.Geteuid() != 0 {
		t.Skip("the lab needs root")
	}
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		t.Skip("the lab needs openssh-server (sshd)")
	}
	helpers := benchHelperDir(t)
	t.Setenv("DROVER_HELPER_DIR", helpers)
	if bin := os.Getenv("DROVER_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "drover")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building drover: %v\n%s", err, out)
	}
	return bin
}

// benchLabOf copies playbooks/NAME into a fresh folder, brings its lab up
// and prepares it.
func benchLabOf(t *testing.T, drover string, w benchWork, label string) (string, *lab.State) {
	dir := filepath.Join(t.TempDir(), label)
	copyPlaybook(t, filepath.Join("..", "..", "playbooks", w.playbook), dir)
	st := benchLabUp(t, drover, dir)
	if w.prepare != nil {
		w.prepare(t, st)
	}
	return dir, st
}

// benchLabUp runs `drover lab up DIR`; the lab goes down when the test ends
// (benchLabDown takes it down earlier; a second Down is harmless).
func benchLabUp(t *testing.T, drover, dir string) *lab.State {
	t.Cleanup(func() {
		if err := lab.Down(labDir(dir), nil); err != nil {
			t.Errorf("lab down %s: %v", dir, err)
		}
	})
	if out, err := exec.Command(drover, "lab", "up", dir).CombinedOutput(); err != nil {
		t.Fatalf("drover lab up %s: %v\n%s", dir, err, out)
	}
	st, err := lab.Status(labDir(dir))
	if err != nil || st == nil {
		t.Fatalf("lab status of %s: %v", dir, err)
	}
	return st
}

func benchLabDown(t *testing.T, dir string) {
	if err := lab.Down(labDir(dir), nil); err != nil {
		t.Fatalf("lab down %s: %v", dir, err)
	}
}

// timedApply runs `drover apply -auto-approve DIR ARGS...` as a process and
// returns its wall time and output.
func timedApply(t *testing.T, drover, dir string, args ...string) (time.Duration, string) {
	cmd := exec.Command(drover, append([]string{"apply", "-auto-approve"}, append(args, dir)...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("drover apply %s: %v\n%s", dir, err, out.String())
	}
	return took, out.String()
}

// noopApplies times n no-op applies and checks that each logs in exactly
// once per host; it returns the median.
func noopApplies(t *testing.T, drover, dir string, st *lab.State, n int, args []string) time.Duration {
	logins := newSSHDCounter(st)
	logins.count() // from here on
	var runs []time.Duration
	for range n {
		d, out := timedApply(t, drover, dir, args...)
		if !strings.Contains(out, "Apply complete: 0 changed, 0 host(s) failed.") {
			t.Fatalf("a no-op apply changed something or failed:\n%s", out)
		}
		if _, _, err := logins.count(); err != nil {
			t.Fatalf("a no-op apply: want exactly one SSH login per host: %v", err)
		}
		runs = append(runs, d)
	}
	return medianDur(runs)
}

var appliedRe = regexp.MustCompile(`Apply complete: (\d+) changed, 0 host\(s\) failed\.`)

func appliedCount(t *testing.T, out string) int {
	m := appliedRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no successful apply summary in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// helperInodes lists every host's helper binaries with inode and change
// time, and fails unless each host holds exactly one.
func helperInodes(t *testing.T, st *lab.State) string {
	var all strings.Builder
	for _, h := range st.Hosts {
		var out, errOut bytes.Buffer
		script := `for f in /var/lib/drover/bin/drover-helper-*; do stat -c '%n %i %z' "$f"; done`
		if err := st.Exec(context.Background(), h.Name, []string{"sh", "-c", script}, nil, &out, &errOut); err != nil {
			t.Fatalf("listing the helpers of %s: %v: %s", h.Name, err, errOut.String())
		}
		if n := strings.Count(out.String(), "\n"); n != 1 {
			t.Fatalf("%s holds %d helper binaries, want 1:\n%s", h.Name, n, out.String())
		}
		fmt.Fprintf(&all, "%s: %s", h.Name, out.String())
	}
	return all.String()
}

// runAnsible runs the playbook's ansible/site.yml against the lab of dir,
// from inside the lab's outer network namespace over real SSH (the lab's
// key and known_hosts), and returns its wall time and the number of
// changed tasks. Its SSH control masters are stopped afterwards.
func runAnsible(t *testing.T, dir string, st *lab.State) (time.Duration, int) {
	adir := filepath.Join(dir, "ansible")
	tmpl, err := os.ReadFile(filepath.Join(adir, "inventory.ini.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	labAbs, err := filepath.Abs(labDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	inv := strings.ReplaceAll(string(tmpl), "@LAB@", labAbs)
	if err := os.WriteFile(filepath.Join(adir, "inventory.ini"), []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	control, err := os.MkdirTemp("", "i6-cp")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(control)
	defer stopControlMasters(control)
	cmd := exec.Command("ip", "netns", "exec", st.Netns, "ansible-playbook", "-i", "inventory.ini", "site.yml")
	cmd.Dir = adir
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+filepath.Join(adir, "ansible.cfg"),
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+control, "ANSIBLE_NOCOLOR=1", "ANSIBLE_STDOUT_CALLBACK=default")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("ansible-playbook in %s: %v\n%s", adir, err, out.String())
	}
	return took, ansibleChanged(t, out.String(), len(st.Hosts))
}

// ansibleChanged sums "changed=N" over the PLAY RECAP, which must list
// every host with nothing failed or unreachable.
func ansibleChanged(t *testing.T, out string, hosts int) int {
	recap := regexp.MustCompile(`(?m)^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)
	rows := recap.FindAllStringSubmatch(out, -1)
	if len(rows) != hosts {
		t.Fatalf("ansible's recap lists %d hosts, want %d:\n%s", len(rows), hosts, out)
	}
	changed := 0
	for _, r := range rows {
		if r[3] != "0" || r[4] != "0" {
			t.Fatalf("ansible failed on %s:\n%s", r[1], out)
		}
		n, _ := strconv.Atoi(r[2])
		changed += n
	}
	return changed
}

// stopControlMasters asks every SSH control master with a socket in dir
// to exit (Ansible leaves them running for ControlPersist).
func stopControlMasters(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Type()&fs.ModeSocket != 0 {
			_ = exec.Command("ssh", "-O", "exit", "-o", "ControlPath="+filepath.Join(dir, e.Name()), "lab").Run()
		}
	}
}

// writeScaleCluster writes the generic playbook's resources for n servers
// (198.51.100.1..n) into dir.
func writeScaleCluster(t *testing.T, dir string, n int) {
	src := filepath.Join("..", "..", "playbooks", "generic")
	copyPlaybook(t, src, dir)
	data, err := os.ReadFile(filepath.Join(src, "cluster.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	servers := regexp.MustCompile(`(?ms)^server "[^"]+" \{.*?^\}\n`)
	rest := servers.ReplaceAll(data, nil)
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "server \"s%d\" {\n  address = \"198.51.100.%d\"\n}\n\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "servers.hcl"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.hcl"), rest, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyPlaybook copies a playbook folder (files only, no .drover state).
func copyPlaybook(t *testing.T, from, to string) {
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			if d.Name() == ".drover" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", from, err)
	}
}

func medianDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func speedup(slow, fast time.Duration) float64 {
	if fast <= 0 {
		return 0
	}
	return float64(slow) / float64(fast)
}

func roundDur(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func durOrDash(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return roundDur(d)
}

func targetVerdict(ok bool, target string) string {
	if ok {
		return target + " met"
	}
	return target + " MISSED"
}

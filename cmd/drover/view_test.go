package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner"
)

func change(a core.Action, kind, name string) core.Change {
	return core.Change{Action: a, Resource: core.Resource{Kind: kind, Name: name, Owners: []string{"file.x"}}}
}

// The recap is Ansible's PLAY RECAP: counts per host, an unreachable host
// is "unreachable", a locked one "failed", replaces counted as such.
func TestRecap(t *testing.T) {
	res := &runner.Result{Hosts: []*runner.HostResult{
		{Host: "s1", InSync: 5, Applied: []core.Change{change(core.Create, "file", "/a"), change(core.Replace, "link", "vx1")},
			Checks: []core.CheckResult{{OK: true}, {OK: true}}},
		{Host: "s2", Unreachable: true, Error: "s2 (198.51.100.2:22): dial tcp: connection refused"},
		{Host: "s3", Error: "host is locked by alice@laptop pid 7 since 2026-12-06T01:00:00Z"},
		{Host: "s4", InSync: 2, FailedResources: []string{"file//b"}, SkippedResources: []string{"service/x", "file//c"},
			Error: "file//b (file.b): permission denied"},
		{Host: "s5", InSync: 3},
	}}
	var out bytes.Buffer
	printRecap(&out, res, false, palette{})
	want := `
Recap:
  s1           changed     ok=7 changed=1 replaced=1 failed=0 unreachable=0 skipped=0 verified=2/2
  s2           unreachable ok=0 changed=0 replaced=0 failed=0 unreachable=1 skipped=0
      s2 (198.51.100.2:22): dial tcp: connection refused
  s3           failed      ok=0 changed=0 replaced=0 failed=1 unreachable=0 skipped=0
      host is locked by alice@laptop pid 7 since 2026-12-06T01:00:00Z
  s4           failed      ok=2 changed=0 replaced=0 failed=1 unreachable=0 skipped=2
      file//b (file.b): permission denied
  s5           ok          ok=3 changed=0 replaced=0 failed=0 unreachable=0 skipped=0
Apply complete: 2 changed, 2 host(s) failed, 1 host(s) unreachable.
`
	if out.String() != want {
		t.Errorf("recap:\n%s\nwant:\n%s", out.String(), want)
	}
}

// destroy ends with Terraform's words.
func TestRecapDestroy(t *testing.T) {
	res := &runner.Result{Hosts: []*runner.HostResult{
		{Host: "s1", Applied: []core.Change{change(core.Delete, "file", "/a"), change(core.Delete, "link", "vx1")}},
	}}
	var out bytes.Buffer
	printRecap(&out, res, true, palette{})
	if !strings.HasSuffix(out.String(), "\nDestroy complete! 2 removed.\n") {
		t.Errorf("destroy recap:\n%s", out.String())
	}
	res.Hosts = append(res.Hosts, &runner.HostResult{Host: "s2", Unreachable: true, Error: "no route"})
	out.Reset()
	printRecap(&out, res, true, palette{})
	if !strings.HasSuffix(out.String(), "\nDestroy incomplete: 2 removed, 0 host(s) failed, 1 host(s) unreachable.\n") {
		t.Errorf("destroy recap:\n%s", out.String())
	}
}

// A plan names an unreachable host so, and a host that failed otherwise
// (locked) as failed; replaces are counted apart.
func TestPlanWords(t *testing.T) {
	p := &runner.Plan{Hosts: []*runner.HostPlan{
		{Host: "s1", Address: "198.51.100.1", Changes: []core.Change{change(core.Replace, "link", "vx1"), change(core.Update, "file", "/a")}},
		{Host: "s2", Address: "198.51.100.2", Unreachable: true, Error: "connection refused"},
		{Host: "s3", Address: "198.51.100.3", Error: "host is locked by bob"},
	}}
	var out bytes.Buffer
	printPlan(&out, p, palette{})
	for _, want := range []string{"\n  ! unreachable: connection refused\n", "\n  ! failed: host is locked by bob\n",
		"\nPlan: 0 to add, 1 to change, 1 to replace, 0 to destroy; 2 host(s) could not be planned.\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, out.String())
		}
	}
}

// A fenced block is never closed early by backticks in what it holds.
func TestFence(t *testing.T) {
	var out bytes.Buffer
	fence(&out, "diff", "+a ``` b\n+````\n")
	if want := "`````diff\n+a ``` b\n+````\n`````\n"; out.String() != want {
		t.Errorf("fence:\n%s\nwant:\n%s", out.String(), want)
	}
}

// On a terminal the recap's status words and non-zero trouble counts are
// coloured like Ansible's.
func TestRecapColour(t *testing.T) {
	res := &runner.Result{Hosts: []*runner.HostResult{
		{Host: "s1", InSync: 1, Applied: []core.Change{change(core.Create, "file", "/a")}},
		{Host: "s2", Unreachable: true, Error: "no route"},
		{Host: "s3", InSync: 2},
	}}
	var out bytes.Buffer
	printRecap(&out, res, false, palette{on: true})
	for _, want := range []string{
		"\x1b[1mRecap:\x1b[0m",
		"  s1           \x1b[33mchanged    \x1b[0m ok=2 \x1b[33mchanged=1\x1b[0m replaced=0 failed=0 unreachable=0 skipped=0\n",
		"  s2           \x1b[31munreachable\x1b[0m ok=0 changed=0 replaced=0 failed=0 \x1b[31munreachable=1\x1b[0m skipped=0\n",
		"  s3           \x1b[32mok         \x1b[0m ok=2 changed=0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("recap lacks %q:\n%q", want, out.String())
		}
	}
}

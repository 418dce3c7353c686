package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
	"github.com/drover/drover/runner/host"
)

func TestFailureReasonAndRolledBackStatus(t *testing.T) {
	res := &Result{Hosts: []*HostResult{
		{Host: "s1", Checks: []core.CheckResult{{Check: core.Check{Title: "s1 reaches s2"}}, {Check: core.Check{Title: "fine"}, OK: true}}, Error: "verify failed"},
		{Host: "s2", FailedResources: []string{"link/vx1"}, Error: "exists"},
		{Host: "s3", Unreachable: true, Error: "no route"},
		{Host: "s4"},
	}}
	want := "verify failed on s1 (s1 reaches s2); link/vx1 failed on s2; s3 unreachable"
	if got := FailureReason(res); got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
	hr := &HostResult{Host: "s1", Applied: []core.Change{{Action: core.Update}}, RolledBack: []string{"file//x"}, RollbackReason: want, Error: "verify failed"}
	if hr.Status() != "rolled back" || hr.Recap().RolledBack != 1 {
		t.Errorf("status %q recap %+v", hr.Status(), hr.Recap())
	}
}

func TestDescribeReport(t *testing.T) {
	at := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	r := &helper.RevertReport{Applied: at, RevertedAt: at.Add(time.Minute), Reason: "not confirmed within 8s",
		Steps: []host.Reverted{{ID: "a"}, {ID: "b"}, {ID: "c", Error: "busy"}}}
	got := DescribeReport("s2", r)
	for _, want := range []string{"host s2 reverted the apply of 2026-12-06 02:00:00 UTC at 2026-12-06 02:01:00 UTC: 2 resources put back (not confirmed within 8s)", "1 could not be"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner"
)

func TestDaemonRows(t *testing.T) {
	svc := func(a core.Action, name string) core.Change {
		return core.Change{Action: a, Resource: core.Resource{Kind: "service", Name: name, Owners: []string{"network.vx1"}}}
	}
	hp := &runner.HostPlan{Host: "s1", Changes: []core.Change{
		svc(core.NoOp, "dnsmasq-vxl0"),
		{Action: core.NoOp, Resource: core.Resource{Kind: "file", Name: "/etc/x"}},
		svc(core.Create, "new"),
		svc(core.Update, "dead"),
	}}
	var asked []string
	rows := daemonRows(hp, func(cs []core.Check) ([]core.CheckResult, error) {
		for _, c := range cs {
			asked = append(asked, c.Attrs["name"])
		}
		return []core.CheckResult{
			{OK: true, Detail: "service dnsmasq-vxl0 is running (PID 591); systemd drover-dnsmasq-vxl0.service active/running, enabled, 1 restarts"},
			{OK: false, Detail: "service dead is not running"},
		}, nil
	})
	if strings.Join(asked, ",") != "dnsmasq-vxl0,dead" {
		t.Errorf("checked %v, want the services that exist", asked)
	}
	var buf bytes.Buffer
	printDaemons(&buf, rows)
	out := buf.String()
	for _, want := range []string{
		"s1      dnsmasq-vxl0  running  591  systemd drover-dnsmasq-vxl0.service active/running, enabled, 1 restarts  network.vx1",
		"s1      new           absent   -    -",
		"s1      dead          stopped  -    pidfile",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	down := daemonRows(&runner.HostPlan{Host: "s2", Error: "dial: refused", Changes: []core.Change{svc(core.NoOp, "x")}},
		func([]core.Check) ([]core.CheckResult, error) { return nil, errors.New("not called") })
	if len(down) != 1 || down[0].State != "unreachable" || down[0].Detail != "dial: refused" {
		t.Errorf("unreachable host: %+v", down)
	}
	none := daemonRows(&runner.HostPlan{Host: "s3", Error: "no route"}, nil)
	if len(none) != 1 || none[0].State != "unreachable" {
		t.Errorf("unreachable host without a plan: %+v", none)
	}
}

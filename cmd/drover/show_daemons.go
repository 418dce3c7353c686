package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner"
)

// cmdShowDaemons is `drover show services [DIR]`: every daemon drover runs
// (each service resource the configuration wants, whatever declared it) on
// every server, and how it runs now: running or stopped, its PID and, on
// systemd hosts, its unit's state, enablement and restart count.
func cmdShowDaemons(e *env, f *flags, rf runFlags, pos []string) int {
	dir, err := dirArg(pos)
	if err != nil {
		return fail(e, err)
	}
	_, s, ctx, done, ok := openLive(e, f, rf, dir)
	if !ok {
		return 1
	}
	defer done()
	p, err := s.Plan(ctx, false)
	if err != nil {
		return fail(e, err)
	}
	var rows []daemonRow
	for _, hp := range p.Hosts {
		rows = append(rows, daemonRows(hp, func(checks []core.Check) ([]core.CheckResult, error) {
			return s.Check(ctx, hp.Host, checks)
		})...)
	}
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "services": rows})
		return 0
	}
	printDaemons(e.stdout, rows)
	return 0
}

// daemonRow is one service resource on one server.
type daemonRow struct {
	Server  string   `json:"server"`
	Service string   `json:"service"`
	Owners  []string `json:"owners"`
	// State is "running", "stopped", "absent" (not applied yet) or
	// "unreachable".
	State string `json:"state"`
	PID   string `json:"pid,omitempty"`
	// Manager is how the host runs it: "systemd UNIT ACTIVE/SUB, ENABLED,
	// N restarts", or "pidfile".
	Manager string `json:"manager,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

var (
	checkPID     = regexp.MustCompile(`\(PID (\d+)\)`)
	checkManager = regexp.MustCompile(`; (systemd .*)$`)
)

// daemonRows are the service resources of one host's plan with their live
// state, from one service check each (run through check).
func daemonRows(hp *runner.HostPlan, check func([]core.Check) ([]core.CheckResult, error)) []daemonRow {
	var rows []daemonRow
	var checks []core.Check
	var checked []int
	for _, ch := range hp.Changes {
		r := ch.Resource
		if r.Kind != "service" {
			continue
		}
		row := daemonRow{Server: hp.Host, Service: r.Name, Owners: r.Owners, State: "absent"}
		switch {
		case hp.Error != "":
			row.State, row.Detail = "unreachable", hp.Error
		case ch.Action != core.Create:
			checks = append(checks, serviceCheck(r.Name))
			checked = append(checked, len(rows))
		}
		rows = append(rows, row)
	}
	if hp.Error != "" && len(rows) == 0 {
		// Its plan could not be made: what it should run is unknown.
		return []daemonRow{{Server: hp.Host, Service: "-", State: "unreachable", Detail: hp.Error}}
	}
	if len(checks) == 0 {
		return rows
	}
	results, err := check(checks)
	for i, at := range checked {
		row := &rows[at]
		if err != nil || i >= len(results) {
			row.State, row.Detail = "unreachable", fmt.Sprint(err)
			continue
		}
		res := results[i]
		row.State = "stopped"
		if res.OK {
			row.State = "running"
		}
		if m := checkPID.FindStringSubmatch(res.Detail); m != nil {
			row.PID = m[1]
		}
		row.Manager = "pidfile"
		if m := checkManager.FindStringSubmatch(res.Detail); m != nil {
			row.Manager = m[1]
		}
		if !res.OK {
			row.Detail = res.Detail
		}
	}
	return rows
}

func printDaemons(w io.Writer, rows []daemonRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "No services are declared.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tSERVICE\tSTATE\tPID\tMANAGER\tDECLARED BY")
	for _, r := range rows {
		manager := firstOr(r.Manager, "-")
		if r.Detail != "" && r.State != "stopped" {
			manager = r.Detail
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Server, r.Service, r.State, firstOr(r.PID, "-"), manager, strings.Join(r.Owners, ", "))
	}
	tw.Flush()
}

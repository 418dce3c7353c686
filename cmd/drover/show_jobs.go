package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job"
	"github.com/drover/drover/runner"
)

// jobRow is one instance of one job: where drover places it, where it
// runs, its version and health (the seed's listjobs).
type jobRow struct {
	Job      string `json:"job"`
	Instance string `json:"instance"`
	Server   string `json:"server"`            // where the placement puts it
	RunsOn   string `json:"runs_on,omitempty"` // where it runs now, "" = nowhere
	Address  string `json:"address,omitempty"`
	Version  string `json:"version,omitempty"` // running version
	Desired  string `json:"desired_version"`
	Health   string `json:"health"` // healthy, unhealthy, absent, unreachable
	Detail   string `json:"detail,omitempty"`
}

// cmdShowJobs is `drover show jobs [DIR]`.
func cmdShowJobs(e *env, f *flags, rf runFlags, pos []string) int {
	dir, err := dirArg(pos)
	if err != nil {
		return fail(e, err)
	}
	c, s, ctx, done, ok := openLive(e, f, rf, dir)
	if !ok {
		return 1
	}
	defer done()
	rows, err := jobRows(c, s.Facts())
	if err != nil {
		return fail(e, err)
	}
	liveJobHealth(rows, c, liveQuery{ctx: ctx, s: s})
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "jobs": rows})
		return 0
	}
	printJobRows(e.stdout, rows)
	return 0
}

// jobRows joins the placement with what the hosts report.
func jobRows(c *lang.Cluster, facts map[string]*core.Facts) ([]jobRow, error) {
	placed, err := job.Place(c, facts)
	if err != nil {
		return nil, err
	}
	running := job.Running(c, facts)
	var rows []jobRow
	for _, j := range job.Jobs(c) {
		var addrs []string
		if j.Addresses != "" {
			addrs, _ = job.InstanceAddresses(j.Addresses, j.Count)
		}
		desired := ""
		if base := container.Named(c, j.Container); base != nil {
			desired = container.Version(base)
		}
		for i, server := range placed[j.Name] {
			row := jobRow{Job: j.Name, Instance: job.InstanceName(j.Name, i+1), Server: server, Desired: desired}
			if i < len(addrs) {
				row.Address = addrs[i]
			}
			for _, r := range running[j.Name] {
				if r.Name == row.Instance {
					row.RunsOn, row.Version = r.Server, r.Version
				}
			}
			rows = append(rows, row)
		}
		rows = append(rows, leftovers(j, running[j.Name], len(placed[j.Name]))...)
	}
	return rows, nil
}

// leftovers are running instances beyond the job's count (an apply will
// remove them).
func leftovers(j *job.Decl, running []job.RunningInstance, count int) []jobRow {
	var rows []jobRow
	for _, r := range running {
		if r.Index > count {
			rows = append(rows, jobRow{Job: j.Name, Instance: r.Name, Server: "(removed)", RunsOn: r.Server,
				Address: r.Address, Version: r.Version})
		}
	}
	return rows
}

// liveJobHealth runs each running instance's container check on its host.
func liveJobHealth(rows []jobRow, c *lang.Cluster, q liveQuery) {
	for i := range rows {
		r := &rows[i]
		if r.RunsOn == "" {
			r.Health = "absent"
			continue
		}
		check := core.Check{Kind: "container", Attrs: map[string]string{"name": r.Instance, "check": healthCheck(c, r.Job)}}
		results, err := q.s.Check(q.ctx, r.RunsOn, []core.Check{check})
		switch {
		case err != nil || len(results) == 0:
			r.Health, r.Detail = "unreachable", fmt.Sprint(err)
		case results[0].OK:
			r.Health = "healthy"
		default:
			r.Health, r.Detail = "unhealthy", results[0].Detail
		}
	}
}

func healthCheck(c *lang.Cluster, jobName string) string {
	for _, j := range job.Jobs(c) {
		if j.Name != jobName {
			continue
		}
		var services []container.Service
		if base := container.Named(c, j.Container); base != nil {
			services = append(services, base.Services...)
		}
		return container.HealthCheck(append(services, j.Services...))
	}
	return ""
}

func printJobRows(w io.Writer, rows []jobRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "No jobs declared.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tINSTANCE\tSERVER\tADDRESS\tVERSION\tHEALTH")
	for _, r := range rows {
		server := r.Server
		if r.RunsOn != "" && r.RunsOn != r.Server {
			server = r.RunsOn + " -> " + r.Server
		}
		version := r.Version
		switch {
		case version == "":
			version = "(" + r.Desired + " pending)"
		case r.Desired != "" && version != r.Desired:
			version += " -> " + r.Desired
		}
		health := r.Health
		if r.Detail != "" && r.Health == "unhealthy" {
			health += ": " + r.Detail
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Job, r.Instance, server, orDash(r.Address), version, health)
	}
	tw.Flush()
	fmt.Fprintf(w, "%s instance(s)\n", strconv.Itoa(len(rows)))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

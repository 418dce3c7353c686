package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/drover/drover/modules/job"
	"github.com/drover/drover/runner"
)

// jobRow is one instance of one job, declared and live (modules/job).
type jobRow = job.Row

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
	rows, err := job.ShowRows(ctx, c, s.Facts(), s.Check)
	if err != nil {
		return fail(e, err)
	}
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "jobs": rows})
		return 0
	}
	printJobRows(e.stdout, rows)
	return 0
}

func printJobRows(w io.Writer, rows []jobRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "No jobs declared.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tRUNTIME\tIMAGE\tINSTANCE\tSERVER\tADDRESS\tVERSION\tHEALTH")
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Job, orDash(r.Runtime), orDash(r.Image), r.Instance, server, orDash(r.Address), version, health)
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

package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner"
)

// cmdShowItems is `drover show items [DIR]`: every host declaration
// (file, template, package, service, ...) on every server it targets, and
// whether the server matches it now (in sync), or what applying would do.
func cmdShowItems(e *env, f *flags, rf runFlags, pos []string) int {
	dir, err := dirArg(pos)
	if err != nil {
		return fail(e, err)
	}
	c, s, ctx, done, ok := openLive(e, f, rf, dir)
	if !ok {
		return 1
	}
	defer done()
	p, err := s.Plan(ctx, false)
	if err != nil {
		return fail(e, err)
	}
	rows := runner.ItemRows(c, p) // the join of declared and planned
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "items": rows})
		return 0
	}
	printItems(e.stdout, rows)
	return 0
}

func printItems(w io.Writer, rows []core.ItemRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "No host declarations (file, template, package, service, ...).")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ITEM\tSERVER\tSTATE\tRESOURCES")
	for _, r := range rows {
		state := r.State
		if r.Error != "" {
			state += " (" + r.Error + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Item, r.Server, state, strings.Join(r.Resources, " "))
	}
	tw.Flush()
}

package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
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
	rows := itemRows(c, p)
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "items": rows})
		return 0
	}
	printItems(e.stdout, rows)
	return 0
}

// itemRow is one declaration instance on one server.
type itemRow struct {
	Item      string   `json:"item"`
	Server    string   `json:"server"`
	Resources []string `json:"resources"`
	// State is "in sync", "to create", "to change", or "unreachable".
	State string `json:"state"`
	Error string `json:"error,omitempty"`
}

func itemRows(c *lang.Cluster, p *runner.Plan) []itemRow {
	byHost := map[string]*runner.HostPlan{}
	for _, hp := range p.Hosts {
		byHost[hp.Host] = hp
	}
	var rows []itemRow
	for _, it := range c.Items {
		for _, srv := range it.Servers {
			row := itemRow{Item: it.Address(), Server: srv, State: "in sync"}
			hp := byHost[srv]
			if hp == nil || hp.Error != "" {
				row.State = "unreachable"
				if hp != nil {
					row.Error = hp.Error
				}
				rows = append(rows, row)
				continue
			}
			for _, ch := range hp.Changes {
				if !slices.Contains(ch.Resource.Owners, it.Address()) {
					continue
				}
				row.Resources = append(row.Resources, ch.Resource.ID())
				row.State = worse(row.State, ch.Action)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// worse combines a row's state with one of its resources' actions.
func worse(state string, a core.Action) string {
	switch {
	case a == core.Create && state == "in sync":
		return "to create"
	case a == core.Update || a == core.Replace:
		return "to change"
	}
	return state
}

func printItems(w io.Writer, rows []itemRow) {
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

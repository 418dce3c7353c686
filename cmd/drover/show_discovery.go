package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/drover/drover/modules/consul"
	"github.com/drover/drover/runner"
)

// discoveryRow is one instance of one declared service, declared and
// live (modules/consul).
type discoveryRow = consul.DiscoveryRow

// cmdShowDiscovery is `drover show discovery [DIR]`: every service of
// containers, jobs and consul_service blocks with its instances and their
// health.
func cmdShowDiscovery(e *env, f *flags, rf runFlags, pos []string) int {
	dir, err := dirArg(pos)
	if err != nil {
		return fail(e, err)
	}
	c, s, ctx, done, ok := openLive(e, f, rf, dir)
	if !ok {
		return 1
	}
	defer done()
	rows, err := consul.DiscoveryRows(ctx, c, s.Facts(), s.Check)
	if err != nil {
		return fail(e, err)
	}
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "discovery": rows})
		return 0
	}
	printDiscoveryRows(e.stdout, rows)
	return 0
}

func printDiscoveryRows(w io.Writer, rows []discoveryRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "No services declared.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tINSTANCE\tSERVER\tADDRESS\tCHECK\tCONSUL\tHEALTH")
	for _, r := range rows {
		addr := "(DHCP)"
		if r.Address != "" {
			addr = r.Address + ":" + strconv.Itoa(r.Port)
		}
		registered := "-"
		if r.Registered != "" {
			registered = r.Registered
		}
		health := r.Health
		if r.Detail != "" {
			health += " (" + r.Detail + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Service, r.Instance, r.Server, addr, r.Check, registered, health)
	}
	tw.Flush()
}

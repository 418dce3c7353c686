package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/consul"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/runner"
)

// discoveryRow is one instance of one declared service (the seed's
// `services`): where it runs, at which address, and whether it passes its
// check now, asked from the server it runs on.
type discoveryRow struct {
	Service  string `json:"service"`
	Instance string `json:"instance"`
	Owner    string `json:"owner"`
	Server   string `json:"server"`
	Address  string `json:"address,omitempty"` // "" = DHCP lease not known yet
	Port     int    `json:"port"`
	Check    string `json:"check"`
	Consul   bool   `json:"consul"` // Consul is declared
	// Registered is what the instance's server's Consul agent says:
	// "registered" (its DNS answers the instance's address), "not
	// registered", or "no agent" ("" without Consul).
	Registered string `json:"registered,omitempty"`
	Health     string `json:"health"`           // passing, critical, unchecked, unknown, unreachable
	Detail     string `json:"detail,omitempty"` // why not passing
}

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
	rows, err := discoveryRows(c, s.Facts())
	if err != nil {
		return fail(e, err)
	}
	for i := range rows {
		discoveryHealth(&rows[i], liveQuery{ctx: ctx, s: s})
		agentSays(&rows[i], liveQuery{ctx: ctx, s: s})
	}
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "discovery": rows})
		return 0
	}
	printDiscoveryRows(e.stdout, rows)
	return 0
}

func discoveryRows(c *lang.Cluster, facts map[string]*core.Facts) ([]discoveryRow, error) {
	byName, names, err := consul.Services(c, facts)
	if err != nil {
		return nil, err
	}
	var rows []discoveryRow
	for _, name := range names {
		for _, in := range byName[name] {
			for _, svc := range in.Services {
				if svc.Name != name {
					continue
				}
				check := svc.Check
				if check == "" {
					check = container.CheckTCP
				}
				rows = append(rows, discoveryRow{Service: name, Instance: in.Name, Owner: in.Owner, Server: in.Server,
					Address: in.Address, Port: svc.Port, Check: checkLabel(check, svc.Path), Consul: consul.On(c)})
			}
		}
	}
	return rows, nil
}

func checkLabel(kind, path string) string {
	if kind == container.CheckHTTP {
		return "http " + path
	}
	return kind
}

// discoveryHealth runs the service's check from the server the instance
// runs on.
func discoveryHealth(r *discoveryRow, q liveQuery) {
	target := r.Address + ":" + strconv.Itoa(r.Port)
	var check core.Check
	switch {
	case r.Address == "":
		r.Health, r.Detail = "unknown", "no address yet (DHCP)"
		return
	case r.Check == container.CheckNone:
		r.Health = "unchecked"
		return
	case r.Check == container.CheckTCP:
		check = core.Check{Kind: "tcp", Attrs: map[string]string{"addr": target, "timeout_ms": "1000"}}
	default:
		check = core.Check{Kind: "http", Attrs: map[string]string{"url": "http://" + target + r.Check[len("http "):], "timeout_ms": "1000"}}
	}
	results, err := q.s.Check(q.ctx, r.Server, []core.Check{check})
	switch {
	case err != nil || len(results) == 0:
		r.Health, r.Detail = "unreachable", fmt.Sprint(err)
	case results[0].OK:
		r.Health = "passing"
	default:
		r.Health, r.Detail = "critical", results[0].Detail
	}
}

// agentSays asks the Consul agent on the instance's server (its DNS) whether
// it knows the instance, rather than assuming the registration worked.
func agentSays(r *discoveryRow, q liveQuery) {
	if !r.Consul {
		return
	}
	if r.Address == "" {
		r.Registered = "unknown"
		return
	}
	results, err := q.s.Check(q.ctx, r.Server, []core.Check{{Kind: "consul", Title: "show discovery",
		Attrs: map[string]string{"service": r.Service, "address": r.Address,
			"dns": "127.0.0.1:" + strconv.Itoa(consul.DNSPort)}}})
	switch {
	case err != nil || len(results) == 0:
		r.Registered = "unknown"
	case results[0].OK:
		r.Registered = "registered"
	case strings.HasPrefix(results[0].Detail, "no agent"):
		r.Registered = "no agent"
	default:
		r.Registered = "not registered"
	}
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

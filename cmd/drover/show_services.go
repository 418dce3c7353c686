package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/database"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/runner"
)

// serviceKinds are the `drover show` kinds of cluster services, after the
// seed's listlbs, listws and listdbs (listvips is the vip kind's own,
// modules/vip; show_decls.go runs it).
var serviceKinds = []string{"lbs", "ws", "dbs"}

func isServiceKind(kind string) bool { return slices.Contains(serviceKinds, kind) }

// cmdShowServices is `drover show lbs|ws|vips|dbs [DIR]`: what is declared
// (generated names included) and how it runs now: daemons, backends, the
// VIP's holder.
func cmdShowServices(e *env, f *flags, rf runFlags, kind string, pos []string) int {
	dir, err := dirArg(pos)
	if err != nil {
		return fail(e, err)
	}
	c, s, ctx, done, ok := openLive(e, f, rf, dir)
	if !ok {
		return 1
	}
	defer done()
	q := liveQuery{ctx: ctx, s: s}
	var rows any
	switch kind {
	case "lbs":
		rows = lbRows(c, q)
	case "ws":
		rows = wsRows(c, q)
	case "dbs":
		rows = dbRows(c, q)
	}
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, kind: rows})
		return 0
	}
	printServiceRows(e.stdout, rows)
	return 0
}

// liveQuery runs checks on hosts for the live columns.
type liveQuery struct {
	ctx context.Context
	s   *runner.Session
}

// run returns one word per check: "up", "down" or "unreachable".
func (q liveQuery) run(server string, checks []core.Check) []string {
	out := make([]string, len(checks))
	results, err := q.s.Check(q.ctx, server, checks)
	for i := range out {
		switch {
		case err != nil || i >= len(results):
			out[i] = "unreachable"
		case results[i].OK:
			out[i] = "up"
		default:
			out[i] = "down"
		}
	}
	return out
}

func serviceCheck(name string) core.Check {
	return core.Check{Kind: "service", Attrs: map[string]string{"name": name}}
}

func tcpHTTPCheck(url, hostHeader string) core.Check {
	return core.Check{Kind: "http", Attrs: map[string]string{"url": url, "host": hostHeader, "status": "<500", "timeout_ms": "1500", "insecure": "true"}}
}

// lbRow is one load balancer.
type lbRow struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	Server    string   `json:"server"`
	Listen    string   `json:"listen"`
	Mode      string   `json:"mode"`
	Published []string `json:"published,omitempty"`
	State     string   `json:"state"`
	Backends  []string `json:"backends"` // NAME=ADDRESS:PORT(up|down)
}

func lbRows(c *lang.Cluster, q liveQuery) []lbRow {
	var rows []lbRow
	for _, b := range c.LoadBalancers {
		srv := c.Server(b.Server)
		address := lb.ListenAddress(srv, b.Address)
		row := lbRow{Name: b.Name, Kind: b.Kind, Server: b.Server, Listen: address + ":" + strconv.Itoa(b.Port), Mode: b.Mode}
		if b.TLS != nil {
			row.Listen += "," + strconv.Itoa(b.TLS.Port) + "/tls"
		}
		row.Published = published(srv, b.Publish)
		checks := []core.Check{serviceCheck(b.Name)}
		for _, be := range b.Backends {
			checks = append(checks, tcpHTTPCheck(fmt.Sprintf("http://%s:%d%s", be.Address, be.Port, firstOr(b.HealthCheck, "/")), b.URL))
		}
		states := q.run(b.Server, checks)
		row.State = running(states[0])
		for i, be := range b.Backends {
			row.Backends = append(row.Backends, fmt.Sprintf("%s=%s:%d(%s)", be.Name, be.Address, be.Port, states[i+1]))
		}
		rows = append(rows, row)
	}
	return rows
}

// wsRow is one app of one web server.
type wsRow struct {
	Name      string   `json:"name"`
	Server    string   `json:"server"`
	Listen    string   `json:"listen"`
	Published []string `json:"published,omitempty"`
	State     string   `json:"state"`
	App       string   `json:"app"`
	Upstream  string   `json:"upstream"`
	TLS       string   `json:"tls"` // none, self-signed, given
	AppState  string   `json:"app_state"`
}

func wsRows(c *lang.Cluster, q liveQuery) []wsRow {
	var rows []wsRow
	for _, w := range c.WebServers {
		srv := c.Server(w.Server)
		address := lb.ListenAddress(srv, w.Address)
		checks := []core.Check{serviceCheck(w.Name)}
		for _, app := range w.Apps {
			checks = append(checks, tcpHTTPCheck(fmt.Sprintf("http://%s:%d/", address, w.Port), app.Host))
		}
		states := q.run(w.Server, checks)
		base := wsRow{Name: w.Name, Server: w.Server, Listen: fmt.Sprintf("%s:%d", address, w.Port),
			Published: published(srv, w.Publish), State: running(states[0])}
		if len(w.Apps) == 0 {
			rows = append(rows, base)
		}
		for i, app := range w.Apps {
			row := base
			row.App, row.Upstream, row.TLS, row.AppState = app.Host, app.Upstream, tlsWord(app.TLS), states[i+1]
			rows = append(rows, row)
		}
	}
	return rows
}

func tlsWord(t *lang.TLS) string {
	switch {
	case t == nil:
		return "none"
	case t.Certificate == "":
		return "self-signed"
	}
	return "given"
}

// dbRow is one database.
type dbRow struct {
	Instance string `json:"instance"`
	Engine   string `json:"engine"`
	Server   string `json:"server"`
	Database string `json:"database"`
	User     string `json:"user"`
	Allow    string `json:"allow"`
	Port     int    `json:"port"`
	// Password says where the password is: "given" (in the
	// configuration) or the root-only file on the server to read it from.
	Password string `json:"password"`
	State    string `json:"state"`
}

func dbRows(c *lang.Cluster, q liveQuery) []dbRow {
	var rows []dbRow
	for _, d := range c.Databases {
		row := dbRow{Instance: d.Instance, Engine: d.Engine, Server: d.Server, Database: d.Name, User: d.User,
			Allow: d.Allow, Port: d.Port, Password: "given"}
		if d.Password == "" {
			row.Password = d.Server + ":" + database.PasswordFile(d)
		}
		row.State = running(q.run(d.Server, []core.Check{serviceCheck(d.Instance)})[0])
		rows = append(rows, row)
	}
	return rows
}

func published(srv *lang.Server, rules []lang.Publish) []string {
	var out []string
	for _, p := range rules {
		out = append(out, fmt.Sprintf("%s:%d->%d", srv.Address, p.ServerPort, p.Port))
	}
	return out
}

func running(state string) string {
	if state == "up" {
		return "running"
	}
	if state == "down" {
		return "stopped"
	}
	return state
}

func firstOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// printServiceRows prints rows as an aligned table, one column per field.
func printServiceRows(w io.Writer, rows any) {
	var header []string
	var lines [][]string
	switch rs := rows.(type) {
	case []lbRow:
		header = []string{"NAME", "KIND", "SERVER", "LISTEN", "MODE", "PUBLISHED", "STATE", "BACKENDS"}
		for _, r := range rs {
			lines = append(lines, []string{r.Name, r.Kind, r.Server, r.Listen, r.Mode, list(r.Published), r.State, list(r.Backends)})
		}
	case []wsRow:
		header = []string{"NAME", "SERVER", "LISTEN", "PUBLISHED", "STATE", "APP", "UPSTREAM", "TLS", "APP STATE"}
		for _, r := range rs {
			lines = append(lines, []string{r.Name, r.Server, r.Listen, list(r.Published), r.State, r.App, r.Upstream, r.TLS, r.AppState})
		}
	case []dbRow:
		header = []string{"INSTANCE", "ENGINE", "SERVER", "DATABASE", "USER", "ALLOW", "PORT", "STATE", "PASSWORD"}
		for _, r := range rs {
			lines = append(lines, []string{r.Instance, r.Engine, r.Server, r.Database, r.User, r.Allow, strconv.Itoa(r.Port), r.State, r.Password})
		}
	}
	printTable(w, header, lines)
}

// printTable prints a show command's rows under header, or "None are
// declared.".
func printTable(w io.Writer, header []string, lines [][]string) {
	printTablePadded(w, header, lines, 0)
}

// printTablePadded is printTable with columns padded by padding spaces
// (0 = 2).
func printTablePadded(w io.Writer, header []string, lines [][]string, padding int) {
	if len(lines) == 0 {
		fmt.Fprintln(w, "None are declared.")
		return
	}
	if padding == 0 {
		padding = 2
	}
	tw := tabwriter.NewWriter(w, 0, 0, padding, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, l := range lines {
		fmt.Fprintln(tw, strings.Join(l, "\t"))
	}
	tw.Flush()
}

func list(items []string) string {
	if len(items) == 0 {
		return "-"
	}
	return strings.Join(items, " ")
}

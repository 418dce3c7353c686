package web

import (
	"context"
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/lb"
)

// showKind is the `drover show ws` command (listws).
func showKind() *lang.ShowKind {
	return &lang.ShowKind{
		Command: "ws",
		Summary: "web servers and their apps (listws)",
		Header:  []string{"NAME", "SERVER", "LISTEN", "PUBLISHED", "STATE", "APP", "UPSTREAM", "TLS", "APP STATE"},
	}
}

// Row is one app of one web server (a web server without apps has one
// row with the app columns empty).
type Row struct {
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

// Cells are the row's text columns.
func (r Row) Cells() []string {
	return []string{r.Name, r.Server, r.Listen, core.DashList(r.Published), r.State, r.App, r.Upstream, r.TLS, r.AppState}
}

// Rows are w's rows, one per app: whether nginx runs and whether each
// app answers through it. A web server's show rows are several, so it
// implements ShowRows rather than ShowRow.
func (w *Decl) ShowRows(ctx context.Context, c *lang.Cluster, live func(string) (core.Live, string)) []core.Row {
	srv := c.Server(w.Server)
	address := lb.ListenAddress(srv, w.Address)
	checks := []core.Check{lb.ServiceCheck(w.Name)}
	for _, app := range w.Apps {
		checks = append(checks, lb.HTTPCheck(fmt.Sprintf("http://%s:%d/", address, w.Port), app.Host))
	}
	states := core.LiveStates(ctx, live, w.Server, checks)
	base := Row{Name: w.Name, Server: w.Server, Listen: fmt.Sprintf("%s:%d", address, w.Port),
		Published: lb.PublishedOn(srv, w.Publish), State: core.Running(states[0])}
	if len(w.Apps) == 0 {
		return []core.Row{base}
	}
	var rows []core.Row
	for i, app := range w.Apps {
		row := base
		row.App, row.Upstream, row.TLS, row.AppState = app.Host, app.Upstream, tlsWord(app.TLS), states[i+1]
		rows = append(rows, row)
	}
	return rows
}

func tlsWord(t *lb.TLS) string {
	switch {
	case t == nil:
		return "none"
	case t.Certificate == "":
		return "self-signed"
	}
	return "given"
}

// TopologyNode draws w as a hexagon on its server, with its apps.
func (w *Decl) TopologyNode() core.TopoNode {
	label := []string{"webserver " + w.Name, fmt.Sprintf(":%d", w.Port)}
	for _, a := range w.Apps {
		label = append(label, a.Host+" → "+a.Upstream)
	}
	return core.TopoNode{ID: "web/" + w.Name, Shape: "hexagon", Color: "palegreen", Label: label,
		Edges: []core.TopoEdge{{To: "server/" + w.Server, Label: "runs on", Style: "bold"}}}
}

package lb

import (
	"context"
	"fmt"
	"strconv"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// showKind is the `drover show lbs` command (listlbs).
func showKind() *lang.ShowKind {
	return &lang.ShowKind{
		Command: "lbs",
		Summary: "load balancers: listen address, mode, backends and their health (listlbs)",
		Header:  []string{"NAME", "KIND", "SERVER", "LISTEN", "MODE", "PUBLISHED", "STATE", "BACKENDS"},
	}
}

// Row is one load balancer.
type Row struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	Server    string   `json:"server"`
	Listen    string   `json:"listen"`
	Mode      string   `json:"mode"`
	Published []string `json:"published,omitempty"`
	State     string   `json:"state"`
	Backends  []string `json:"backends"` // NAME=ADDRESS:PORT(up|down)
}

// Cells are the row's text columns.
func (r Row) Cells() []string {
	return []string{r.Name, r.Kind, r.Server, r.Listen, r.Mode, core.DashList(r.Published), r.State, core.DashList(r.Backends)}
}

// ShowRow is lb's row: where it listens, whether it runs, and whether
// each backend answers from its server.
func (lb *Decl) ShowRow(ctx context.Context, c *lang.Cluster, live func(string) (core.Live, string)) core.Row {
	srv := c.Server(lb.Server)
	address := ListenAddress(srv, lb.Address)
	row := Row{Name: lb.Name, Kind: lb.Kind, Server: lb.Server, Listen: address + ":" + strconv.Itoa(lb.Port), Mode: lb.Mode}
	if lb.TLS != nil {
		row.Listen += "," + strconv.Itoa(lb.TLS.Port) + "/tls"
	}
	row.Published = PublishedOn(srv, lb.Publish)
	checks := []core.Check{ServiceCheck(lb.Name)}
	for _, be := range lb.Backends {
		checks = append(checks, HTTPCheck(fmt.Sprintf("http://%s:%d%s", be.Address, be.Port, firstNonEmpty(lb.HealthCheck, "/")), lb.URL))
	}
	states := core.LiveStates(ctx, live, lb.Server, checks)
	row.State = core.Running(states[0])
	for i, be := range lb.Backends {
		row.Backends = append(row.Backends, fmt.Sprintf("%s=%s:%d(%s)", be.Name, be.Address, be.Port, states[i+1]))
	}
	return row
}

// ServiceCheck is whether the daemon name runs, for show rows.
func ServiceCheck(name string) core.Check {
	return core.Check{Kind: "service", Attrs: map[string]string{"name": name}}
}

// HTTPCheck is whether url answers (any status below 500) for
// hostHeader, for show rows.
func HTTPCheck(url, hostHeader string) core.Check {
	return core.Check{Kind: "http", Attrs: map[string]string{"url": url, "host": hostHeader, "status": "<500", "timeout_ms": "1500", "insecure": "true"}}
}

// PublishedOn are rules as "SERVERADDRESS:PORT->PORT".
func PublishedOn(srv *lang.Server, rules []Published) []string {
	var out []string
	for _, p := range rules {
		out = append(out, fmt.Sprintf("%s:%d->%d", srv.Address, p.ServerPort, p.Port))
	}
	return out
}

// TopologyNode draws lb as a hexagon on its server, with its backends.
func (lb *Decl) TopologyNode() core.TopoNode {
	label := []string{lb.Kind + " " + lb.Name, fmt.Sprintf(":%d %s", lb.Port, lb.Mode)}
	for _, b := range lb.Backends {
		label = append(label, fmt.Sprintf("→ %s %s:%d", b.Name, b.Address, b.Port))
	}
	return core.TopoNode{ID: "lb/" + lb.Name, Shape: "hexagon", Color: "palegreen", Label: label,
		Edges: []core.TopoEdge{{To: "server/" + lb.Server, Label: "runs on", Style: "bold"}}}
}

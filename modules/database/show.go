package database

import (
	"context"
	"fmt"
	"strconv"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// showKind is the `drover show dbs` command (listdbs).
func showKind() *lang.ShowKind {
	return &lang.ShowKind{
		Command: "dbs",
		Summary: "databases, users, allowed clients, where a generated password is (listdbs)",
		Header:  []string{"INSTANCE", "ENGINE", "SERVER", "DATABASE", "USER", "ALLOW", "PORT", "STATE", "PASSWORD"},
	}
}

// Row is one database.
type Row struct {
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

// Cells are the row's text columns.
func (r Row) Cells() []string {
	return []string{r.Instance, r.Engine, r.Server, r.Database, r.User, r.Allow, strconv.Itoa(r.Port), r.State, r.Password}
}

// ShowRow is d's row: what it declares and whether its instance runs.
func (d *Decl) ShowRow(ctx context.Context, _ *lang.Cluster, live func(string) (core.Live, string)) core.Row {
	row := Row{Instance: d.Instance, Engine: d.Engine, Server: d.Server, Database: d.Name, User: d.User,
		Allow: d.Allow, Port: d.Port, Password: "given"}
	if d.Password == "" {
		row.Password = d.Server + ":" + PasswordFile(d)
	}
	check := core.Check{Kind: "service", Attrs: map[string]string{"name": d.Instance}}
	row.State = core.Running(core.LiveStates(ctx, live, d.Server, []core.Check{check})[0])
	return row
}

// TopologyNode draws d as a cylinder on its server.
func (d *Decl) TopologyNode() core.TopoNode {
	return core.TopoNode{ID: "db/" + d.Engine + "/" + d.Name, Shape: "cylinder", Color: "wheat",
		Label: []string{d.Engine + " " + d.Name, fmt.Sprintf(":%d", d.Port)},
		Edges: []core.TopoEdge{{To: "server/" + d.Server, Label: "runs on", Style: "bold"}}}
}

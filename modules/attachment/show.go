package attachment

import (
	"context"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// showKind is the `drover show attachments` command (listnet).
func showKind() *lang.ShowKind {
	return &lang.ShowKind{
		Command:   "attachments",
		Summary:   "namespaces attached to networks, with live addresses (listnet)",
		Header:    []string{"NAME", "SERVER", "NETWORK", "BRIDGE", "MODE", "STATE", "ADDRESS"},
		Empty:     "No attachments are declared.",
		Padding:   1,
		EmptyList: true,
	}
}

// Row is one attachment, declared and live (seed: listnet).
type Row struct {
	Name    string `json:"name"`
	Server  string `json:"server"`
	Network string `json:"network"`
	Bridge  string `json:"bridge"`
	Mode    string `json:"mode"`    // "static" or "dhcp"
	Address string `json:"address"` // live (the lease for dhcp), else declared
	State   string `json:"state"`   // up, absent, unreachable, not in --limit
	Error   string `json:"error,omitempty"`
}

// Cells are the row's text columns.
func (r Row) Cells() []string {
	addr := r.Address
	if addr == "" {
		addr = "-"
	}
	return []string{r.Name, r.Server, r.Network, r.Bridge, r.Mode, r.State, addr}
}

// ShowRowErr is a's row: what it declares, with its namespace's live
// address and state from its server's facts.
func (a *Decl) ShowRowErr(_ context.Context, c *lang.Cluster, live func(string) (core.Live, string), hostErr func(string) string) core.Row {
	br, _, _ := c.AttachmentBridge(a.Server, a.Network)
	row := Row{Name: a.Name, Server: a.Server, Network: a.Network, Bridge: br, Mode: "static", Address: a.Address}
	if a.DHCP {
		row.Mode = "dhcp"
	}
	l, why := live(a.Server)
	switch {
	case l == nil && why == "unreachable":
		row.State, row.Error = why, hostErr(a.Server)
	case l == nil:
		row.State = why
	default:
		var addr string
		addr, row.State = Live(a, l.Facts())
		if addr != "" {
			row.Address = addr
		}
	}
	return row
}

// TopologyNode draws a as a note joined to its server and network.
func (a *Decl) TopologyNode() core.TopoNode {
	addr := a.Address
	if addr == "" {
		addr = "DHCP"
	}
	network := "network/" + a.Network
	if a.Network == lang.AttachSubnet || a.Network == "" {
		network = "subnets"
	}
	return core.TopoNode{ID: "attachment/" + a.Name, Shape: "note", Color: "white",
		Label: []string{"attachment " + a.Name, addr},
		Edges: []core.TopoEdge{{To: "server/" + a.Server, Style: "bold"}, {To: network, Style: "dotted"}}}
}

package vip

import (
	"context"
	"fmt"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// showKind is the `drover show vips` command (listvips).
func showKind() *lang.ShowKind {
	return &lang.ShowKind{
		Command: "vips",
		Summary: "floating VIPs and which server holds each (listvips)",
		Header:  []string{"NAME", "ADDRESS", "SERVERS", "HOLDER"},
	}
}

// Row is one VIP and who holds it now.
type Row struct {
	Name    string   `json:"name"`
	Address string   `json:"address"`
	Servers []string `json:"servers"` // NAME(PRIORITY)
	Holder  string   `json:"holder"`  // the server holding it, "none", or several (a split brain)
}

// Cells are the row's text columns.
func (r Row) Cells() []string {
	return []string{r.Name, r.Address, core.DashList(r.Servers), r.Holder}
}

// ShowRow is v's row: its members and which of them holds the address now
// (from each member's facts).
func (v *Decl) ShowRow(_ context.Context, _ *lang.Cluster, live func(string) (core.Live, string)) core.Row {
	row := Row{Name: v.Name, Address: fmt.Sprintf("%s/%d", v.Address, v.Prefix)}
	var holders, unknown []string
	for _, m := range v.Servers {
		row.Servers = append(row.Servers, fmt.Sprintf("%s(%d)", m.Server, m.Priority))
		l, why := live(m.Server)
		if l == nil {
			unknown = append(unknown, m.Server+" "+why)
			continue
		}
		if _, ok := l.Facts().InterfaceWithIP(v.Address); ok {
			holders = append(holders, m.Server)
		}
	}
	row.Holder = holderWord(holders, unknown)
	return row
}

func holderWord(holders, unknown []string) string {
	word := "none"
	switch {
	case len(holders) == 1:
		word = holders[0]
	case len(holders) > 1:
		word = strings.Join(holders, "+") + " (split brain)"
	}
	if len(unknown) > 0 {
		word += " (" + strings.Join(unknown, ", ") + ")"
	}
	return word
}

// TopologyNode draws v as a diamond joined to its servers, with their
// priorities.
func (v *Decl) TopologyNode() core.TopoNode {
	n := core.TopoNode{ID: "vip/" + v.Name, Shape: "diamond", Color: "gold",
		Label: []string{"vip " + v.Name, fmt.Sprintf("%s/%d", v.Address, v.Prefix)}}
	for _, m := range v.Servers {
		n.Edges = append(n.Edges, core.TopoEdge{To: "server/" + m.Server, Label: fmt.Sprintf("priority %d", m.Priority), Style: "dashed"})
	}
	return n
}

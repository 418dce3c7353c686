package core

import (
	"context"
	"strings"
)

// ItemRow is one host declaration instance on one server as `drover show
// items` prints it: the resources of it the plan changes there.
type ItemRow struct {
	Item      string   `json:"item"`
	Server    string   `json:"server"`
	Resources []string `json:"resources"`
	// State is "in sync", "to create", "to change", or "unreachable".
	State string `json:"state"`
	Error string `json:"error,omitempty"`
}

// NetworkRow is one member of one network as `drover show networks`
// prints it: what was declared, joined with what the member's facts say.
type NetworkRow struct {
	Network string `json:"network"`
	Kind    string `json:"kind"`
	Subnet  string `json:"subnet"`
	Server  string `json:"server"`
	Bridge  string `json:"bridge"`
	State   string `json:"state"` // up, down, absent, unreachable
	MTU     int    `json:"mtu,omitempty"`
	Address string `json:"address,omitempty"`
	Device  string `json:"device,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Live is what a kind's show descriptor may read of one reachable member
// server: its facts, and for what facts do not hold (a daemon's
// sessions), checks run there now.
type Live interface {
	Facts() *Facts
	Check(ctx context.Context, checks []Check) ([]CheckResult, error)
}

// DeviceState sets the row's state from the first device (up, down) when
// every device exists ("absent" when one does not), with the first one's
// MTU and addresses.
func (row *NetworkRow) DeviceState(f *Facts, devices ...string) {
	row.State = "up"
	for i, name := range devices {
		ifc, ok := f.Interface(name)
		if !ok {
			row.State, row.MTU, row.Address = "absent", 0, ""
			return
		}
		if i > 0 {
			continue
		}
		if !ifc.Up {
			row.State = "down"
		}
		row.MTU, row.Address = ifc.MTU, strings.Join(ifc.Addrs, " ")
	}
}

// Row is one line of a `drover show KIND` table: its JSON form is the row
// value itself, Cells its text columns under the kind's header.
type Row interface {
	Cells() []string
}

// TopoNode is a declaration as `drover graph -type=topology` draws it: a
// node (DOT shape and fill colour, label lines) joined to others
// ("server/s1", "network/vx1").
type TopoNode struct {
	ID, Shape, Color string
	Label            []string
	Edges            []TopoEdge
}

// TopoEdge is one line from a TopoNode to another node.
type TopoEdge struct {
	To, Label, Style string // Style: solid, dashed, dotted, bold
}

// LiveStates runs checks on server for a show row's live columns: one
// word per check, "up", "down", or "unreachable" (for all of them when
// the server was not reached).
func LiveStates(ctx context.Context, live func(string) (Live, string), server string, checks []Check) []string {
	var results []CheckResult
	var err error
	if l, _ := live(server); l != nil {
		results, err = l.Check(ctx, checks)
	}
	return CheckWords(results, err, len(checks))
}

// CheckWords is one word per check of n for people: "up", "down", or
// "unreachable" when the checks did not run (err) or gave no result.
func CheckWords(results []CheckResult, err error, n int) []string {
	out := make([]string, n)
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

// Running is a daemon's state word for people: "running" when its
// service check is up, "stopped" when down, else the state itself.
func Running(state string) string {
	switch state {
	case "up":
		return "running"
	case "down":
		return "stopped"
	}
	return state
}

// Query runs checks on one server now and returns their results: what a
// show descriptor asks of the servers for live columns (runner's
// Session.Check). An error says why the server could not be asked.
type Query func(ctx context.Context, server string, checks []Check) ([]CheckResult, error)

// DashList is items joined by spaces for a table cell, "-" for none.
func DashList(items []string) string {
	if len(items) == 0 {
		return "-"
	}
	return strings.Join(items, " ")
}

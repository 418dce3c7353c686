package runner

import (
	"context"
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// networkShower is a registered network kind's show descriptor: the row
// of member m, declared columns always, live ones from live (nil when the
// member was not reached).
type networkShower interface {
	ShowMember(ctx context.Context, m lang.Member, c *lang.Cluster, live core.Live) core.NetworkRow
}

// NetworkRows are `drover show networks`' rows: each server's container
// subnet, then each member of each network, declarations joined with the
// members' live state.
func (s *Session) NetworkRows(ctx context.Context, c *lang.Cluster) []core.NetworkRow {
	var rows []core.NetworkRow
	for _, srv := range c.Servers {
		if srv.Subnet == "" {
			continue
		}
		row := core.NetworkRow{Network: "containers", Kind: "subnet", Subnet: srv.Subnet, Server: srv.Name, Bridge: srv.Bridge}
		h := s.host(srv.Name)
		switch {
		case h == nil:
			row.State = "not in --limit"
		case h.Err != nil || h.Facts == nil:
			row.State, row.Error = "unreachable", fmt.Sprint(h.Err)
		default:
			row.DeviceState(h.Facts, srv.Bridge)
		}
		rows = append(rows, row)
	}
	for _, n := range c.Networks {
		rows = append(rows, s.NetworkMemberRows(ctx, n, c)...)
	}
	return rows
}

// NetworkMemberRows are the rows of one network, one per member, joining
// its declaration with the member's live state through the kind's show
// descriptor (a kind without one shows its members only).
func (s *Session) NetworkMemberRows(ctx context.Context, n *lang.Network, c *lang.Cluster) []core.NetworkRow {
	sh, ok := n.Spec.(networkShower)
	if !ok {
		var rows []core.NetworkRow
		for _, m := range n.Members() {
			rows = append(rows, core.NetworkRow{Network: n.Name, Kind: n.Kind, Server: m.Server})
		}
		return rows
	}
	var rows []core.NetworkRow
	for _, m := range n.Spec.NetworkMembers() {
		h := s.host(m.Server)
		var live core.Live
		if h != nil && h.Err == nil && h.Facts != nil {
			live = hostLive{s: s, h: h}
		}
		row := sh.ShowMember(ctx, m, c, live)
		row.Network, row.Kind, row.Server = n.Name, n.Kind, m.Server
		switch {
		case h == nil:
			row.State = "not in --limit"
		case live == nil:
			row.State, row.Error = "unreachable", fmt.Sprint(h.Err)
		}
		rows = append(rows, row)
	}
	return rows
}

// hostLive is a reached host as a show descriptor sees it.
type hostLive struct {
	s *Session
	h *Host
}

func (l hostLive) Facts() *core.Facts { return l.h.Facts }

func (l hostLive) Check(ctx context.Context, checks []core.Check) ([]core.CheckResult, error) {
	return l.s.Check(ctx, l.h.Name, checks)
}

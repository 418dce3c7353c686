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

// NetworkMemberRows are the rows of a network of a registered kind, one
// per member, joining its declaration with the member's live state; ok is
// false for a kind that has no show descriptor.
func (s *Session) NetworkMemberRows(ctx context.Context, n *lang.Network, c *lang.Cluster) ([]core.NetworkRow, bool) {
	sh, ok := n.Spec.(networkShower)
	if !ok {
		return nil, false
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
	return rows, true
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

package runner

import (
	"context"
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// declShower is a registered block kind's show descriptor: the row of one
// declaration, joining what it declares with its servers' live state.
// live returns a reached server, or why it was not ("not in --limit",
// "unreachable").
type declShower interface {
	ShowRow(ctx context.Context, c *lang.Cluster, live func(server string) (core.Live, string)) core.Row
}

// declRowsShower is a show descriptor whose declarations have several
// rows each (a web server's apps).
type declRowsShower interface {
	ShowRows(ctx context.Context, c *lang.Cluster, live func(server string) (core.Live, string)) []core.Row
}

// hostErrShower is a show descriptor whose rows also say why a server was
// unreachable: hostErr is the connection's error as text.
type hostErrShower interface {
	ShowRowErr(ctx context.Context, c *lang.Cluster, live func(server string) (core.Live, string), hostErr func(server string) string) core.Row
}

// DeclRows are the show rows of the declarations whose block type is typ
// (a registered kind with a show command), in declaration order.
func (s *Session) DeclRows(ctx context.Context, c *lang.Cluster, typ string) []core.Row {
	var rows []core.Row
	for _, d := range c.DeclsOfType(typ) {
		switch sh := d.(type) {
		case hostErrShower:
			rows = append(rows, sh.ShowRowErr(ctx, c, s.live, s.hostErr))
		case declShower:
			rows = append(rows, sh.ShowRow(ctx, c, s.live))
		case declRowsShower:
			rows = append(rows, sh.ShowRows(ctx, c, s.live)...)
		}
	}
	return rows
}

// hostErr is why server was unreachable, as text.
func (s *Session) hostErr(server string) string {
	if h := s.host(server); h != nil {
		return fmt.Sprint(h.Err)
	}
	return ""
}

// live is a server as a show descriptor sees it: reached, or why not.
func (s *Session) live(server string) (core.Live, string) {
	h := s.host(server)
	switch {
	case h == nil:
		return nil, "not in --limit"
	case h.Err != nil || h.Facts == nil:
		return nil, "unreachable"
	}
	return hostLive{s: s, h: h}, ""
}

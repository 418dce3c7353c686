package bridge

import (
	"context"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// ShowMember is member m's row of `drover show networks`: the bridge, its
// port, and whether the bridge is up and holds the server's address.
func (b *Network) ShowMember(_ context.Context, m lang.Member, c *lang.Cluster, live core.Live) core.NetworkRow {
	row := core.NetworkRow{Bridge: b.Bridge}
	srv := c.Server(m.Server)
	if srv == nil || live == nil {
		return row
	}
	f := live.Facts()
	row.Device, _ = Port(b.Bridge, m, srv, f)
	row.DeviceState(f, row.Bridge)
	if row.State == "up" && !strings.Contains(" "+row.Address, " "+srv.Address+"/") {
		row.State = "up, address not moved"
	}
	if ifc, ok := f.InterfaceWithIP(srv.Address); ok && srv.Address != "" {
		for _, a := range ifc.Addrs {
			if strings.HasPrefix(a, srv.Address+"/") {
				row.Subnet = a
			}
		}
	}
	return row
}

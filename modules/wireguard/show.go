package wireguard

import (
	"context"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// ShowMember is member m's row of `drover show networks`: the tunnel
// subnet and the interface, up when it exists and is up, marked when the
// member runs the userspace implementation.
func (w *Network) ShowMember(_ context.Context, _ lang.Member, _ *lang.Cluster, live core.Live) core.NetworkRow {
	row := core.NetworkRow{Subnet: w.Subnet, Device: w.Interface}
	if live == nil {
		return row
	}
	f := live.Facts()
	row.DeviceState(f, row.Device)
	if Implementation(f) == Userspace {
		row.Device += " (wireguard-go)"
	}
	return row
}

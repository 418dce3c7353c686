package l2vpn

import (
	"context"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// ShowMember is member m's row of `drover show networks`: the subnet, the
// bridge, and the WireGuard and VXLAN devices under it; up when all three
// exist and the bridge is up.
func (v *Network) ShowMember(_ context.Context, _ lang.Member, _ *lang.Cluster, live core.Live) core.NetworkRow {
	row := core.NetworkRow{Subnet: v.Subnet, Bridge: v.Bridge, Device: v.Interface + "," + Device(v)}
	if live != nil {
		row.DeviceState(live.Facts(), v.Bridge, v.Interface, Device(v))
	}
	return row
}

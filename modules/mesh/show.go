package mesh

import (
	"context"
	"slices"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// Ports are the gretap ports of member server's bridge.
func (m *Network) Ports(server string) []string {
	var out []string
	for i, l := range m.Links {
		if slices.Contains(l[:], server) {
			out = append(out, PortName(m.Bridge, i))
		}
	}
	return out
}

// ShowMember is member mb's row of `drover show networks`: the subnet,
// the bridge and its gretap ports, up when they all exist and the bridge
// is up, and whether the bridge agrees on the declared spanning tree root
// (the stp check, run there now).
func (m *Network) ShowMember(ctx context.Context, mb lang.Member, _ *lang.Cluster, live core.Live) core.NetworkRow {
	ports := m.Ports(mb.Server)
	row := core.NetworkRow{Subnet: m.Subnet, Bridge: m.Bridge, Device: strings.Join(ports, ",")}
	if live == nil {
		return row
	}
	row.DeviceState(live.Facts(), append([]string{m.Bridge}, ports...)...)
	if row.State != "up" {
		return row
	}
	res, err := live.Check(ctx, []core.Check{{Kind: "stp", Attrs: m.stpCheck("0")}})
	switch {
	case err != nil:
		row.Error = err.Error()
	case len(res) == 1 && res[0].OK:
		row.State = "up, root " + m.Root
	case len(res) == 1:
		row.State, row.Error = "up, tree not agreed", res[0].Detail
	}
	return row
}

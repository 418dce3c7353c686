package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/l2vpn"
	"github.com/drover/drover/runner"
)

// otherNetworkRows are the rows of a network of a kind other than vxlan
// (bgp, wireguard, l2vpn, gre/ipip, bridge): one per member, with the
// member's live state read from its facts (and, for BGP, from bird).
func otherNetworkRows(n *lang.Network, c *lang.Cluster, s *runner.Session, hosts map[string]*runner.Host) []networkRow {
	if rows, ok := s.NetworkMemberRows(context.Background(), n, c); ok {
		return rows
	}
	var rows []networkRow
	for _, m := range n.Members() {
		row := networkRow{Network: n.Name, Kind: n.Kind, Server: m.Server}
		h := hosts[m.Server]
		switch {
		case n.L2VPN != nil:
			row.Subnet, row.Bridge, row.Device = n.L2VPN.Subnet, n.L2VPN.Bridge, n.L2VPN.Interface+","+l2vpn.Device(n.L2VPN)
			deviceState(&row, h, row.Bridge, n.L2VPN.Interface, l2vpn.Device(n.L2VPN))
		}
		rows = append(rows, row)
	}
	return rows
}

// deviceState sets the row's state from its devices (core.DeviceState)
// when the host was reached.
func deviceState(row *networkRow, h *runner.Host, devices ...string) {
	if reachable(row, h) {
		row.DeviceState(h.Facts, devices...)
	}
}

func reachable(row *networkRow, h *runner.Host) bool {
	switch {
	case h == nil:
		row.State = "not in --limit"
	case h.Err != nil || h.Facts == nil:
		row.State, row.Error = "unreachable", fmt.Sprint(h.Err)
	default:
		return true
	}
	return false
}

// printNetworks prints the rows as a table sized to its contents.
func printNetworks(w io.Writer, rows []networkRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "No networks are declared.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "NETWORK\tKIND\tSUBNET\tSERVER\tBRIDGE\tSTATE\tMTU\tADDRESS\tDEVICE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", dash(r.Network), dash(r.Kind), dash(r.Subnet), dash(r.Server),
			dash(r.Bridge), dash(r.State), r.MTU, dash(r.Address), dash(r.Device))
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/runner"
)

// otherNetworkRows are the rows of a network of a registered kind (every
// kind but vxlan): one per member, its declaration joined by runner with
// the member's live state through the kind's show descriptor (ShowMember).
// A kind without one shows its members only.
func otherNetworkRows(n *lang.Network, c *lang.Cluster, s *runner.Session) []networkRow {
	if rows, ok := s.NetworkMemberRows(context.Background(), n, c); ok {
		return rows
	}
	var rows []networkRow
	for _, m := range n.Members() {
		rows = append(rows, networkRow{Network: n.Name, Kind: n.Kind, Server: m.Server})
	}
	return rows
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

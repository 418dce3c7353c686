package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

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

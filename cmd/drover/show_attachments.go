package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/attachment"
	"github.com/drover/drover/runner"
)

// attachmentRow is one attachment, declared and live (seed: listnet).
type attachmentRow struct {
	Name    string `json:"name"`
	Server  string `json:"server"`
	Network string `json:"network"`
	Bridge  string `json:"bridge"`
	Mode    string `json:"mode"`    // "static" or "dhcp"
	Address string `json:"address"` // live (the lease for dhcp), else declared
	State   string `json:"state"`   // up, absent, unreachable, not in --limit
	Error   string `json:"error,omitempty"`
}

// cmdShowAttachments is `drover show attachments [DIR]`.
func cmdShowAttachments(e *env, f *flags, rf runFlags, pos []string) int {
	dir, err := dirArg(pos)
	if err != nil {
		return fail(e, err)
	}
	c, s, _, done, ok := openLive(e, f, rf, dir)
	if !ok {
		return 1
	}
	defer done()
	rows := attachmentRows(c, s)
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "attachments": rows})
		return 0
	}
	printAttachments(e.stdout, rows)
	return 0
}

func attachmentRows(c *lang.Cluster, s *runner.Session) []attachmentRow {
	hosts := map[string]*runner.Host{}
	for _, h := range s.Hosts() {
		hosts[h.Name] = h
	}
	rows := []attachmentRow{}
	for _, a := range c.Attachments {
		br, _, _ := c.AttachmentBridge(a)
		row := attachmentRow{Name: a.Name, Server: a.Server, Network: a.Network, Bridge: br, Mode: "static", Address: a.Address}
		if a.DHCP {
			row.Mode = "dhcp"
		}
		h := hosts[a.Server]
		switch {
		case h == nil:
			row.State = "not in --limit"
		case h.Err != nil || h.Facts == nil:
			row.State, row.Error = "unreachable", fmt.Sprint(h.Err)
		default:
			var live string
			live, row.State = attachment.Live(a, h.Facts)
			if live != "" {
				row.Address = live
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func printAttachments(w io.Writer, rows []attachmentRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "No attachments are declared.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSERVER\tNETWORK\tBRIDGE\tMODE\tSTATE\tADDRESS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Server, r.Network, r.Bridge, r.Mode, r.State, dash(r.Address))
	}
	tw.Flush()
}

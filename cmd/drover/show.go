package main

import (
	"fmt"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/vxlan"
	"github.com/drover/drover/runner"
)

// cmdShow prints declared and live state, like the seeds' list commands:
// `drover show networks` is listnetworks.
func cmdShow(e *env, args []string) int {
	f := newFlags(e, "show").withVars()
	rf := addRunFlags(f)
	pos, err := f.parse(args)
	if err != nil || len(pos) == 0 {
		fmt.Fprintln(e.stderr, "Usage: drover show networks [DIR]")
		return 1
	}
	kind := pos[0]
	if kind == "bgp" {
		return cmdShowBGP(e, f, rf, pos[1:])
	}
	if kind == "attachments" {
		return cmdShowAttachments(e, f, rf, pos[1:]) // show_attachments.go
	}
	if isServiceKind(kind) {
		return cmdShowServices(e, f, rf, kind, pos[1:]) // show_services.go
	}
	if kind == "items" {
		return cmdShowItems(e, f, rf, pos[1:]) // show_items.go
	}
	if kind == "jobs" {
		return cmdShowJobs(e, f, rf, pos[1:]) // show_jobs.go
	}
	if kind == "discovery" {
		return cmdShowDiscovery(e, f, rf, pos[1:]) // show_discovery.go
	}
	if kind == "services" {
		return cmdShowDaemons(e, f, rf, pos[1:]) // show_daemons.go
	}
	dir, err := dirArg(pos[1:])
	if err != nil {
		return fail(e, err)
	}
	if kind != "networks" {
		fmt.Fprintf(e.stderr, "Error: drover show knows: networks (got %q)\n", kind)
		return 1
	}
	c := load(e, dir, f, *rf.asJSON)
	if c == nil {
		return 1
	}
	opts, err := options(e, dir, rf)
	if err != nil {
		return fail(e, err)
	}
	opts.Progress = nil
	ctx, cancel := signalContext()
	defer cancel()
	s := runner.Open(ctx, c, opts)
	defer s.Close()
	rows := networkRows(c, s)
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "networks": rows})
		return 0
	}
	printNetworks(e.stdout, rows)
	return 0
}

// networkRow is one member of one network, declared and live.
type networkRow struct {
	Network string `json:"network"`
	Kind    string `json:"kind"`
	Subnet  string `json:"subnet"`
	Server  string `json:"server"`
	Bridge  string `json:"bridge"`
	State   string `json:"state"` // up, down, absent, unreachable
	MTU     int    `json:"mtu,omitempty"`
	Address string `json:"address,omitempty"`
	Device  string `json:"device,omitempty"`
	Error   string `json:"error,omitempty"`
}

func networkRows(c *lang.Cluster, s *runner.Session) []networkRow {
	hosts := map[string]*runner.Host{}
	for _, h := range s.Hosts() {
		hosts[h.Name] = h
	}
	var rows []networkRow
	for _, srv := range c.Servers {
		if srv.Subnet == "" {
			continue
		}
		row := networkRow{Network: "containers", Kind: "subnet", Subnet: srv.Subnet, Server: srv.Name, Bridge: srv.Bridge}
		liveState(&row, hosts[srv.Name])
		rows = append(rows, row)
	}
	for _, n := range c.Networks {
		if n.VXLAN == nil {
			rows = append(rows, otherNetworkRows(n, c, s, hosts)...) // show_networks.go
			continue
		}
		for _, m := range n.VXLAN.Members {
			row := networkRow{Network: n.Name, Kind: n.Kind, Subnet: n.VXLAN.Subnet, Server: m.Server,
				Bridge: n.VXLAN.Bridge, Device: vxlan.Device(n.VXLAN)}
			liveState(&row, hosts[m.Server])
			rows = append(rows, row)
		}
	}
	return rows
}

func liveState(row *networkRow, h *runner.Host) {
	switch {
	case h == nil:
		row.State = "not in --limit"
		return
	case h.Err != nil || h.Facts == nil:
		row.State, row.Error = "unreachable", fmt.Sprint(h.Err)
		return
	}
	br, ok := h.Facts.Interface(row.Bridge)
	devOK := true
	if row.Device != "" {
		_, devOK = h.Facts.Interface(row.Device)
	}
	switch {
	case !ok || !devOK:
		row.State = "absent"
	case br.Up:
		row.State = "up"
	default:
		row.State = "down"
	}
	row.MTU = br.MTU
	row.Address = strings.Join(br.Addrs, " ")
}

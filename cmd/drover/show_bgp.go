package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/bgp"
	"github.com/drover/drover/runner"
)

// cmdShowBGP is `drover show bgp SERVER [DIR]` (seed: showbgp s1): the BGP
// network the server is in, its peers with their session state, and the
// routes its bird knows.
func cmdShowBGP(e *env, f *flags, rf runFlags, pos []string) int {
	if len(pos) == 0 {
		fmt.Fprintln(e.stderr, "Usage: drover show bgp SERVER [DIR]")
		return 1
	}
	server := pos[0]
	dir, err := dirArg(pos[1:])
	if err != nil {
		return fail(e, err)
	}
	c := load(e, dir, f, *rf.asJSON)
	if c == nil {
		return 1
	}
	n := bgp.NetworkOf(c, server)
	if n == nil {
		return fail(e, fmt.Errorf("server %q is not a member of any BGP network", server))
	}
	opts, err := options(e, dir, rf)
	if err != nil {
		return fail(e, err)
	}
	opts.Progress, opts.Limit = nil, []string{server}
	ctx, cancel := signalContext()
	defer cancel()
	s := runner.Open(ctx, c, opts)
	defer s.Close()
	view, err := bgpView(ctx, n, c, s, server)
	if err != nil {
		return fail(e, err)
	}
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "bgp": view})
		return 0
	}
	printBGP(e.stdout, view)
	return 0
}

// bgpShow is one server's BGP state.
type bgpShow struct {
	Network string        `json:"network"`
	Server  string        `json:"server"`
	ASN     string        `json:"asn"`
	Address string        `json:"address"`
	Peers   []bgpPeerShow `json:"peers"`
	Routes  string        `json:"routes"` // birdc show route
}

type bgpPeerShow struct {
	Server  string `json:"server"`
	Address string `json:"address"`
	ASN     string `json:"asn"`
	State   string `json:"state"` // Established, Active, Connect, ... or "not configured"
	Since   string `json:"since,omitempty"`
}

func bgpView(ctx context.Context, n *lang.Network, c *lang.Cluster, s *runner.Session, server string) (*bgpShow, error) {
	peers, err := bgp.Peers(n, c, s.Facts())
	if err != nil {
		return nil, err
	}
	results, err := s.Check(ctx, server, []core.Check{bgp.ReportCheck("show bgp " + server)})
	if err != nil {
		return nil, err
	}
	if len(results) != 1 || !results[0].OK {
		detail := "no answer"
		if len(results) == 1 {
			detail = results[0].Detail
		}
		return nil, fmt.Errorf("%s: bird does not answer (was the network applied?): %s", server, detail)
	}
	protocols, routes, _ := strings.Cut(results[0].Detail, "\x00")
	states := bgp.BirdStates(protocols)
	view := &bgpShow{Network: n.Name, Server: server, Routes: strings.TrimSpace(routes), Peers: []bgpPeerShow{}}
	for _, p := range peers {
		if p.Server == server {
			view.ASN, view.Address = p.ASN, p.Address
			continue
		}
		st := states[p.Protocol]
		if st.State == "" {
			st.State = "not configured"
		}
		view.Peers = append(view.Peers, bgpPeerShow{Server: p.Server, Address: p.Address, ASN: p.ASN, State: st.State, Since: st.Since})
	}
	return view, nil
}

func printBGP(w io.Writer, v *bgpShow) {
	fmt.Fprintf(w, "BGP network %s on %s (AS %s, %s)\n\n", v.Network, v.Server, display(v.ASN), display(v.Address))
	fmt.Fprintf(w, "%-12s %-16s %-8s %-12s %s\n", "PEER", "ADDRESS", "AS", "STATE", "SINCE")
	for _, p := range v.Peers {
		fmt.Fprintf(w, "%-12s %-16s %-8s %-12s %s\n", p.Server, display(p.Address), display(p.ASN), p.State, p.Since)
	}
	fmt.Fprintf(w, "\nRoutes:\n")
	for _, line := range strings.Split(v.Routes, "\n") {
		if strings.HasPrefix(line, "BIRD ") {
			continue
		}
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// Package vip expands `vip` declarations (the seed's addvip and delvip)
// into host resources: on every member server a keepalived instance of its
// own (config checked with keepalived -t, reloaded with SIGHUP) that holds
// the floating address while it is the VRRP master. Peers talk unicast by
// default (clouds drop multicast), each member sending to the others'
// addresses; the member with the highest priority starts as master. An
// optional track script takes a member out while it fails. Verify pings the
// address from every member.
package vip

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/templates"
)

// Owner is the declaration name resources of v belong to.
func Owner(v *Decl) string { return "vip." + v.Name }

// ConfigDir holds the keepalived configs.
const ConfigDir = "/etc/drover"

// Expand returns, per member server name, what v wants there. facts[name]
// is nil when a server's facts are unknown (its interface is then known
// only after apply).
func Expand(v *Decl, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return v.Expand(c, facts)
}

// Expand returns, per member server name, what v wants there.
func (v *Decl) Expand(c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	out := map[string]*blocks.Set{}
	top := 0
	for _, m := range v.Servers {
		top = max(top, m.Priority)
	}
	for _, m := range v.Servers {
		srv := c.Server(m.Server)
		if srv == nil {
			return nil, fmt.Errorf("vip %s: unknown server %q", v.Name, m.Server)
		}
		iface, err := memberInterface(v, srv, facts[m.Server])
		if err != nil {
			return nil, err
		}
		if err := onSubnet(v, srv, iface, facts[m.Server]); err != nil {
			return nil, err
		}
		var peers []string
		if !v.Multicast {
			for _, o := range v.Servers {
				if o.Server != m.Server {
					if p := c.Server(o.Server); p != nil {
						peers = append(peers, p.Address)
					}
				}
			}
		}
		set, err := member(v, srv, m, iface, peers, m.Priority == top)
		if err != nil {
			return nil, err
		}
		out[m.Server] = set
	}
	return out, nil
}

// memberInterface is where the VIP goes on srv: the declared interface,
// else the one holding the server's address.
func memberInterface(v *Decl, srv *lang.Server, f *core.Facts) (string, error) {
	name := v.Interface
	if name == "" {
		name = srv.Interface
	}
	if f == nil {
		if name == "" {
			return core.Unknown, nil
		}
		return name, nil
	}
	if name != "" {
		if _, ok := f.Interface(name); !ok {
			return "", fmt.Errorf("vip %s: server %s has no interface %q", v.Name, srv.Name, name)
		}
		return name, nil
	}
	if ifc, ok := f.InterfaceWithIP(srv.Address); ok {
		return ifc.Name, nil
	}
	return "", fmt.Errorf("vip %s: no interface of server %s holds its address %s; set interface", v.Name, srv.Name, srv.Address)
}

// onSubnet reports a VIP outside every subnet of the member's interface
// (facts known): no neighbour would find it there, so the VIP could be
// held but never reached. The VIP's own address on the interface (a
// holder's) does not count.
func onSubnet(v *Decl, srv *lang.Server, iface string, f *core.Facts) error {
	if f == nil || iface == core.Unknown {
		return nil
	}
	ifc, ok := f.Interface(iface)
	if !ok {
		return nil
	}
	vip, err := netip.ParseAddr(v.Address)
	if err != nil {
		return nil
	}
	var subnets []string
	for _, a := range ifc.Addrs {
		p, err := netip.ParsePrefix(a)
		if err != nil || p.Addr() == vip || !p.Addr().Is4() {
			continue
		}
		if p.Masked().Contains(vip) {
			return nil
		}
		subnets = append(subnets, p.Masked().String())
	}
	if len(subnets) == 0 {
		return nil
	}
	r := v.DeclRange
	return fmt.Errorf("%s:%d:%d: vip %s: %s is outside the subnets of %s's %s (%s), so no neighbour there would reach it; pick an address in %s, or set interface to one on the VIP's subnet",
		r.Filename, r.Start.Line, r.Start.Column, v.Name, v.Address, srv.Name, iface, strings.Join(subnets, ", "), subnets[0])
}

func member(v *Decl, srv *lang.Server, m Member, iface string, peers []string, top bool) (*blocks.Set, error) {
	set := &blocks.Set{Owner: Owner(v)}
	state := "BACKUP"
	if top {
		state = "MASTER"
	}
	conf, err := templates.Render("keepalived.conf.tmpl", map[string]any{
		"Owner": Owner(v), "Server": srv.Name, "Name": sanitize(v.Name), "State": state,
		"Interface": iface, "RouterID": v.RouterID, "Priority": m.Priority,
		"Advert": advert(v.AdvertInterval), "Version3": v.AdvertInterval%time.Second != 0,
		"Self": srv.Address, "Peers": peers, "Address": v.Address, "Prefix": v.Prefix, "Track": v.Track,
		"TrackInterval": max(int(v.TrackInterval/time.Second), 1), "TrackFall": max(v.TrackFall, 1), "TrackRise": max(v.TrackRise, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("vip %s: %w", v.Name, err)
	}
	pkg := set.Add("package", "keepalived", map[string]string{"name": "keepalived"})
	path := ConfigDir + "/" + v.Name + ".keepalived.conf"
	file := set.Add("file", path, map[string]string{"path": path, "content": conf, "mode": "0644", "check": "keepalived -t -f {}"}, pkg)
	run := "/run/drover/" + v.Name
	set.Add("service", v.Name, map[string]string{
		"command": fmt.Sprintf("keepalived -n -l -D -f %s -p %s.keepalived.pid -r %s.vrrp.pid -c %s.checkers.pid", path, run, run, run),
		"reload":  "SIGHUP", "restart_key": blocks.Hash(conf),
	}, file)
	set.Check("service", v.Name+" (keepalived) is running", map[string]string{"name": v.Name})
	// The members that do not hold it prove the VIP answers over the
	// network (the holder's own ping would prove nothing). 3 s: an apply
	// that moves the VIP (a new priority) verifies while keepalived
	// converges (preemption waits ~3 adverts), and a member pinging it then
	// loses a packet or two.
	set.Check("ping", fmt.Sprintf("%s reaches VIP %s", srv.Name, v.Address), map[string]string{
		"dst": v.Address, "count": "5", "timeout_ms": "3000", "remote": "true",
	})
	// Exactly one member holds the VIP: no split brain, no orphan.
	set.Check("addr", fmt.Sprintf("exactly one server holds VIP %s", v.Address), map[string]string{"address": v.Address})
	set.Checks[len(set.Checks)-1].Exclusive = Owner(v)
	set.Checks[len(set.Checks)-1].Members = memberNames(v)
	return set, nil
}

// advert renders the interval in seconds: "1", "0.1".
func advert(d time.Duration) string {
	if d <= 0 {
		d = time.Second
	}
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(d.Seconds(), 'f', 2, 64), "0"), ".")
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// memberNames lists the servers of v, for its exclusive check: verify asks
// each of them who holds the address.
func memberNames(v *Decl) []string {
	names := make([]string, 0, len(v.Servers))
	for _, m := range v.Servers {
		names = append(names, m.Server)
	}
	return names
}

package lang

import (
	"fmt"
	"net/netip"

	"github.com/zclconf/go-cty/cty"
)

func tunnelSpecs() []attrSpec {
	return inBlock("network.tunnel", []attrSpec{
		{name: "device", typ: cty.String, deflt: str(""), example: `"gre1"`},
		{name: "pool", typ: cty.String, deflt: str(""), example: `"100.127.250.0/30"`},
		{name: "mtu", typ: cty.Number, deflt: num(0), example: "1476"},
		{name: attrServers, typ: cty.List(cty.String), deflt: cty.ListValEmpty(cty.String), example: `["s1", "s2"]`},
	})
}

func tunnelMemberSpecs() []attrSpec {
	return inBlock("network.tunnel.member", []attrSpec{
		{name: "underlay", typ: cty.String, deflt: str(""), example: `"198.51.100.1"`},
		{name: "subnets", typ: cty.List(cty.String), deflt: cty.ListValEmpty(cty.String), example: `["100.66.1.0/24"]`},
	})
}

func assembleTunnel(l *loader, d *networkDecl, n *Network) {
	a := d.attrs
	t := &Tunnel{Type: d.kind}
	t.Device, _ = l.stringOf(a["device"])
	if t.Device == "" {
		t.Device = d.name
	}
	t.Pool, _ = l.stringOf(a["pool"])
	t.MTU, _ = l.intOf(a["mtu"])
	t.Members = l.membersOf(d)
	t.Underlay = l.memberStrings(d, "underlay")
	t.Routes = l.memberLists(d, "subnets", "subnet")
	n.Tunnel = t
}

func validateTunnel(l *loader, v *validator, d *networkDecl, n *Network) {
	a, t := d.attrs, n.Tunnel
	if a["device"].expr != nil {
		l.checkIfname(a["device"], true, `"gre1"`)
	} else if p := ifnameProblem(d.name, "device", `"gre1"`); !p.ok() {
		l.reportAt(d.block.LabelRanges[1], problem{"Network name too long for a device", fmt.Sprintf(
			"The tunnel device is named after the network, and %q cannot name a Linux interface. Set device, for example device = \"gre1\".", d.name)})
	}
	pool, poolOK := l.networkSubnet(v, d, "pool")
	if poolOK && pool.Bits() != 30 {
		l.report(a["pool"], problem{"Pool is not a /30", fmt.Sprintf(
			"pool = %q: a point-to-point tunnel takes its two endpoint addresses from a /30. Write for example pool = %q.", pool, pool.Addr().String()+"/30")})
		poolOK = false
	}
	l.checkMTU(a["mtu"], "1476")
	// Endpoint addresses come from the pool by position, not from the
	// servers' addresses: check the explicit ones against it here.
	l.checkMembers(d, t.Members, netip.Prefix{}, false)
	for i, m := range t.Members {
		if a, err := netip.ParseAddr(m.Address); err == nil && poolOK && i < len(d.ranges) {
			l.reportAt(d.ranges[i].addr, hostProblem(a, pool))
		}
	}
	if l.membersKnown(d) && len(t.Members) > 0 && len(t.Members) != 2 {
		l.report(a[attrServers], problem{"A tunnel has two ends", fmt.Sprintf(
			"Network %q lists %d servers; a %s tunnel joins exactly two. Declare one network per pair of servers.", d.name, len(t.Members), d.kind)})
	}
	if s, ok := l.stringOf(a["pool"]); ok && s == "" {
		for _, m := range t.Members {
			if m.Address == "" {
				l.errorf(d.block.DefRange, nil, "Tunnel without endpoint addresses",
					"Network %q gives member %q no address and has no pool to take one from. Write pool = \"100.127.250.0/30\", or member %q { address = \"...\" }.", d.name, m.Server, m.Server)
				break
			}
		}
	}
	for _, m := range d.members {
		if s, ok := l.stringOf(m.extra["underlay"]); ok && s != "" {
			_, p := parseAddress(s)
			l.report(m.extra["underlay"], p)
		}
	}
	l.checkMemberCIDRLists(d, "subnets")
}

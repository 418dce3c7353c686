package lang

import (
	"fmt"
	"net/netip"

	"github.com/zclconf/go-cty/cty"
)

// limits of BGP settings
const (
	minASN, maxASN = 1, 4294967294
	// DefaultASNBase is added to the last octet of a member's peering
	// address to give it a private ASN of its own (eBGP).
	DefaultASNBase = 65000
)

func bgpSpecs() []attrSpec {
	return inBlock("network.bgp", []attrSpec{
		{name: "asn", typ: cty.Number, deflt: num(0), example: "65000"},
		{name: "container_subnets", typ: cty.Bool, deflt: cty.True, example: "true"},
		{name: "hold_time", typ: cty.Number, deflt: num(6), example: "6"},
		{name: "keepalive_time", typ: cty.Number, deflt: num(2), example: "2"},
		{name: "connect_retry", typ: cty.Number, deflt: num(2), example: "2"},
		{name: attrServers, typ: cty.List(cty.String), deflt: cty.ListValEmpty(cty.String), example: `["s1", "s2", "s3"]`},
	})
}

func bgpMemberSpecs() []attrSpec {
	return inBlock("network.bgp.member", []attrSpec{
		{name: "asn", typ: cty.Number, deflt: num(0), example: "65101"},
		{name: "announce", typ: cty.List(cty.String), deflt: cty.ListValEmpty(cty.String), example: `["100.66.1.0/24"]`},
	})
}

func assembleBGP(l *loader, d *networkDecl, n *Network) {
	a := d.attrs
	b := &BGP{}
	b.ASN, _ = l.intOf(a["asn"])
	b.ContainerSubnets, _ = boolOf(a["container_subnets"])
	b.HoldTime, _ = l.intOf(a["hold_time"])
	b.KeepaliveTime, _ = l.intOf(a["keepalive_time"])
	b.ConnectRetry, _ = l.intOf(a["connect_retry"])
	b.Members = l.membersOf(d)
	b.MemberASN = l.memberInts(d, "asn")
	b.Announce = l.memberLists(d, "announce", "subnet")
	n.BGP = b
}

func validateBGP(l *loader, v *validator, d *networkDecl, n *Network) {
	a := d.attrs
	if asn, ok := l.intOf(a["asn"]); ok && asn != 0 {
		l.checkInt(a["asn"], minASN, maxASN, "ASN out of range", "65000")
	}
	hold, holdOK := l.checkInt(a["hold_time"], 3, 65535, "Hold time out of range", "6")
	keep, keepOK := l.checkInt(a["keepalive_time"], 1, 21845, "Keepalive time out of range", "2")
	if holdOK && keepOK && keep*3 > hold {
		l.report(a["keepalive_time"], problem{"Keepalive too slow for the hold time", fmt.Sprintf(
			"keepalive_time = %d is more than a third of hold_time = %d, so one lost keepalive drops the session. Write for example keepalive_time = %d.", keep, hold, max(1, hold/3))})
	}
	l.checkInt(a["connect_retry"], 1, 65535, "Connect retry out of range", "2")
	l.checkMembers(d, n.BGP.Members, netip.Prefix{}, false)
	for _, m := range d.members {
		if asn, ok := l.intOf(m.extra["asn"]); ok && asn != 0 {
			l.checkInt(m.extra["asn"], minASN, maxASN, "ASN out of range", "65101")
			if b, ok := l.intOf(a["asn"]); ok && b != 0 {
				l.report(m.extra["asn"], problem{"Member ASN in an iBGP network", fmt.Sprintf(
					"Network %q sets asn = %d for all its members (iBGP), so member %q cannot have its own. Remove one of the two.", d.name, b, m.server)})
			}
		}
	}
	l.checkMemberCIDRLists(d, "announce")
}

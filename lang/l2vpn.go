package lang

import (
	"github.com/zclconf/go-cty/cty"
)

func l2vpnSpecs() []attrSpec {
	return inBlock("network.l2vpn", []attrSpec{
		{name: "subnet", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"100.64.30.0/24"`, required: true},
		{name: "bridge", typ: cty.String, deflt: str("vpl0"), example: `"vpl0"`},
		{name: "tunnel_subnet", typ: cty.String, deflt: str("100.127.255.0/24"), example: `"100.127.255.0/24"`},
		{name: "interface", typ: cty.String, deflt: str("peer0"), example: `"peer0"`},
		{name: "port", typ: cty.Number, deflt: num(51821), example: "51821"},
		{name: "vni", typ: cty.Number, deflt: num(1), example: "1"},
		{name: "keepalive", typ: cty.Number, deflt: num(25), example: "25"},
		{name: "rotate_keys", typ: cty.Number, deflt: num(0), example: "1"},
		{name: "mtu", typ: cty.Number, deflt: num(0), example: "1370"},
		{name: "dhcp", typ: cty.Bool, deflt: cty.False, example: "true"},
		{name: attrDHCPHost, typ: cty.String, example: `"s1"`},
		{name: "domain", typ: cty.String, deflt: str("vpnapp"), example: `"vpnapp"`},
		{name: attrServers, typ: cty.List(cty.String), deflt: cty.ListValEmpty(cty.String), example: `["s1", "s2", "s3"]`},
	})
}

func l2vpnMemberSpecs() []attrSpec {
	return inBlock("network.l2vpn.member", []attrSpec{
		{name: "endpoint", typ: cty.String, deflt: str(""), example: `"203.0.113.7:51821"`},
	})
}

func assembleL2VPN(l *loader, d *networkDecl, n *Network) {
	a := d.attrs
	v := &L2VPN{}
	v.Subnet, _ = l.stringOf(a["subnet"])
	v.Bridge, _ = l.stringOf(a["bridge"])
	v.TunnelSubnet, _ = l.stringOf(a["tunnel_subnet"])
	v.Interface, _ = l.stringOf(a["interface"])
	v.Port, _ = l.intOf(a["port"])
	v.VNI, _ = l.intOf(a["vni"])
	v.Keepalive, _ = l.intOf(a["keepalive"])
	v.RotateKeys, _ = l.intOf(a["rotate_keys"])
	v.MTU, _ = l.intOf(a["mtu"])
	v.DHCP, _ = boolOf(a["dhcp"])
	v.DHCPHost, _ = l.stringOf(a[attrDHCPHost])
	v.Domain, _ = l.stringOf(a["domain"])
	v.Members = l.membersOf(d)
	v.Endpoint = l.memberStrings(d, "endpoint")
	n.L2VPN = v
}

func validateL2VPN(l *loader, v *validator, d *networkDecl, n *Network) {
	a := d.attrs
	subnet, subnetOK := l.networkSubnet(v, d, "subnet")
	if subnetOK {
		subnetOK = l.checkIPv4Subnet(a["subnet"], subnet, a["dhcp"], `"100.64.30.0/24"`)
	}
	l.networkSubnet(v, d, "tunnel_subnet")
	l.checkIfname(a["bridge"], true, `"vpl0"`)
	l.checkIfname(a["interface"], true, `"peer0"`)
	l.checkPort(a["port"], "51821")
	l.checkInt(a["vni"], minVNI, maxVNI, "VNI out of range", "1")
	l.checkInt(a["keepalive"], 0, 65535, "Keepalive out of range", "25")
	l.checkInt(a["rotate_keys"], 0, 1<<30, "Key rotation counter out of range", "1")
	l.checkMTU(a["mtu"], "1370")
	l.checkMembers(d, n.L2VPN.Members, subnet, subnetOK)
	l.checkEndpoints(d)
	l.checkDHCPHost(d, n.L2VPN.Members)
}

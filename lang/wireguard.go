package lang

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

func wireguardSpecs() []attrSpec {
	return inBlock("network.wireguard", []attrSpec{
		{name: "subnet", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"100.64.20.0/24"`, required: true},
		{name: "interface", typ: cty.String, deflt: str("wg0"), example: `"wg0"`},
		{name: "port", typ: cty.Number, deflt: num(51820), example: "51820"},
		{name: "keepalive", typ: cty.Number, deflt: num(25), example: "25"},
		{name: "mtu", typ: cty.Number, deflt: num(1420), example: "1420"},
		{name: "topology", typ: cty.String, deflt: str(TopologyMesh), example: `"hub"`},
		{name: "hub", typ: cty.String, deflt: str(""), example: `"s1"`},
		{name: "rotate_keys", typ: cty.Number, deflt: num(0), example: "1"},
		{name: "container_subnets", typ: cty.Bool, deflt: cty.True, example: "true"},
		{name: attrServers, typ: cty.List(cty.String), deflt: cty.ListValEmpty(cty.String), example: `["s1", "s2", "s3"]`},
	})
}

func wireguardMemberSpecs() []attrSpec {
	return inBlock("network.wireguard.member", []attrSpec{
		{name: "subnets", typ: cty.List(cty.String), deflt: cty.ListValEmpty(cty.String), example: `["100.66.1.0/24"]`},
		{name: "endpoint", typ: cty.String, deflt: str(""), example: `"203.0.113.7:51820"`},
	})
}

func assembleWireGuard(l *loader, d *networkDecl, n *Network) {
	a := d.attrs
	w := &WireGuard{}
	w.Subnet, _ = l.stringOf(a["subnet"])
	w.Interface, _ = l.stringOf(a["interface"])
	w.Port, _ = l.intOf(a["port"])
	w.Keepalive, _ = l.intOf(a["keepalive"])
	w.MTU, _ = l.intOf(a["mtu"])
	w.Topology, _ = l.stringOf(a["topology"])
	w.Hub, _ = l.stringOf(a["hub"])
	w.RotateKeys, _ = l.intOf(a["rotate_keys"])
	w.ContainerSubnets, _ = boolOf(a["container_subnets"])
	w.Members = l.membersOf(d)
	w.Share = l.memberLists(d, "subnets", "subnet")
	w.Endpoint = l.memberStrings(d, "endpoint")
	n.WireGuard = w
}

func validateWireGuard(l *loader, v *validator, d *networkDecl, n *Network) {
	a, w := d.attrs, n.WireGuard
	subnet, subnetOK := l.networkSubnet(v, d, "subnet")
	l.checkIfname(a["interface"], true, `"wg0"`)
	l.checkPort(a["port"], "51820")
	l.checkInt(a["keepalive"], 0, 65535, "Keepalive out of range", "25")
	l.checkMTU(a["mtu"], "1420")
	l.checkInt(a["rotate_keys"], 0, 1<<30, "Key rotation counter out of range", "1")
	l.checkMembers(d, w.Members, subnet, subnetOK)
	l.checkMemberCIDRLists(d, "subnets")
	l.checkEndpoints(d)
	l.checkTopology(d, w)
}

// checkTopology checks topology and hub: a hub network needs its main
// server among the members (seed: the main server cannot be removed while
// clients remain).
func (l *loader) checkTopology(d *networkDecl, w *WireGuard) {
	a := d.attrs
	switch w.Topology {
	case TopologyMesh:
		if w.Hub != "" {
			l.report(a["hub"], problem{"Hub in a mesh network", fmt.Sprintf(
				"Network %q has topology %q, where every member peers with every other, so hub = %q means nothing. Write topology = %q, or remove hub.",
				d.name, TopologyMesh, w.Hub, TopologyHub)})
		}
		return
	case TopologyHub:
	default:
		if _, ok := l.stringOf(a["topology"]); ok {
			l.report(a["topology"], problem{"Unknown topology", fmt.Sprintf(
				"topology = %q is neither %q (every member peers with every other) nor %q (clients peer with a main server). Write one of them.",
				w.Topology, TopologyMesh, TopologyHub)})
		}
		return
	}
	names := memberNames(w.Members)
	if w.Hub == "" {
		l.report(a["topology"], problem{"Hub network without a main server", fmt.Sprintf(
			"Network %q has topology %q but no hub. Name its main server, for example hub = %q.", d.name, TopologyHub, firstOr(names, "s1"))})
		return
	}
	if slices.Contains(names, w.Hub) || !l.membersKnown(d) {
		return
	}
	if len(names) == 0 {
		return // "Network has no servers" is reported already
	}
	l.report(a["hub"], problem{"Hub is not a member", fmt.Sprintf(
		"The hub %q of network %q is not one of its servers (%s), and the clients only reach each other through it. Add %q to servers, or make a member the hub, for example hub = %q.",
		w.Hub, d.name, strings.Join(names, ", "), w.Hub, names[0])})
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

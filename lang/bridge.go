package lang

import (
	"net/netip"

	"github.com/zclconf/go-cty/cty"
)

func bridgeSpecs() []attrSpec {
	return inBlock("network.bridge", []attrSpec{
		{name: "bridge", typ: cty.String, deflt: str("br0"), example: `"br0"`},
		{name: attrServers, typ: cty.List(cty.String), deflt: cty.ListValEmpty(cty.String), example: `["s1", "s2:eth1"]`},
	})
}

func assembleBridge(l *loader, d *networkDecl, n *Network) {
	b := &PlainBridge{}
	b.Bridge, _ = l.stringOf(d.attrs["bridge"])
	b.Members = l.membersOf(d)
	n.Bridge = b
}

func validateBridge(l *loader, v *validator, d *networkDecl, n *Network) {
	l.checkIfname(d.attrs["bridge"], true, `"br0"`)
	l.checkMembers(d, n.Bridge.Members, netip.Prefix{}, false)
	for i, m := range n.Bridge.Members {
		if m.Address != "" {
			l.reportAt(memberRange(d, i), problem{"Address on a plain bridge member", "A plain bridge carries the server's own addresses, which move from the interface to the bridge; it takes no member address. Remove address."})
		}
	}
}

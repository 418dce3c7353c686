package bridge

import (
	"net/netip"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// Name is the kind's name: `network "bridge" "NAME"`.
const Name = "bridge"

// Network is plain layer-2 bridging over a physical interface of each
// member (the seed's "other options"): the interface becomes a port of the
// bridge and the server's addresses move to the bridge.
type Network struct {
	Bridge string // default "br0"
	// Members: Interface is the physical port (default the interface
	// holding the server's address).
	Members []lang.Member
}

// Kind describes `network "bridge"` to lang.
func Kind() lang.NetworkKind {
	return lang.NetworkKind{
		Name: Name,
		Attrs: []lang.Attr{
			{Name: "bridge", Type: cty.String, Default: cty.StringVal("br0"), Example: `"br0"`, Grammar: "ifname"},
			{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2:eth1"]`, Grammar: "member"},
		},
		Assemble: func(d *lang.NetworkDecl) lang.NetworkSpec {
			return &Network{Bridge: d.String("bridge"), Members: d.Members()}
		},
		Validate: validate,
	}
}

func validate(d *lang.NetworkDecl, spec lang.NetworkSpec) {
	b := spec.(*Network)
	d.CheckIfname("bridge", true, `"br0"`)
	d.CheckMembers(b.Members, netip.Prefix{}, false)
	for i, m := range b.Members {
		if m.Address != "" {
			d.MemberProblem(i, "Address on a plain bridge member", "A plain bridge carries the server's own addresses, which move from the interface to the bridge; it takes no member address. Remove address.")
		}
	}
}

// NetworkMembers are the bridged servers.
func (b *Network) NetworkMembers() []lang.Member { return b.Members }

// Claims: the bridge's name on every member.
func (b *Network) Claims() []lang.Claim {
	return []lang.Claim{{What: "interface", Value: b.Bridge, Attr: "bridge", Hint: "Give one of them another bridge, for example bridge = \"br1\"."}}
}

// AttachBridge is the bridge attachments join; their addresses are the
// servers' own network's (no subnet of the network's own).
func (b *Network) AttachBridge() (bridge, subnet string) { return b.Bridge, "" }

// BridgeResource is the resource that makes the bridge on a member.
func (b *Network) BridgeResource() string { return "bridgeport/" + b.Bridge }

package tunnel

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// The kinds' names: `network "gre" "NAME"`, `network "ipip" "NAME"`.
const (
	GRE  = "gre"
	IPIP = "ipip"
)

// Network is a point-to-point GRE or IPIP tunnel between two servers
// (seed: addtunnel gre|ipip s1 s2 -l IP -r IP).
type Network struct {
	Type   string // GRE or IPIP (the network's kind)
	Device string // tunnel interface name, default the network's name
	// Pool is the /30 the endpoint addresses come from (.1 for the first
	// member, .2 for the second) when members set no address.
	Pool string
	MTU  int // 0 = derived: link MTU - 24 (GRE) or - 20 (IPIP)
	// Members are the two ends: Address is the endpoint address (inside
	// the tunnel), Interface the underlay.
	Members []lang.Member
	// Underlay is the outer address of a member (seed -l/-r), default
	// its server's address.
	Underlay map[string]string
	// Routes are the subnets behind a member that the other end routes
	// through the tunnel: its container subnet plus `subnets`.
	Routes map[string][]string
}

// Kinds describe `network "gre"` and `network "ipip"` to lang: one model,
// two encapsulations.
func Kinds() []lang.NetworkKind {
	return []lang.NetworkKind{kind(GRE), kind(IPIP)}
}

func kind(name string) lang.NetworkKind {
	return lang.NetworkKind{
		Name:         name,
		GrammarBlock: "network.tunnel",
		Attrs: []lang.Attr{
			{Name: "device", Type: cty.String, Default: cty.StringVal(""), Example: `"gre1"`, Grammar: "ifname"},
			{Name: "pool", Type: cty.String, Default: cty.StringVal(""), Example: `"100.127.250.0/30"`, Grammar: "cidr"},
			{Name: "mtu", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "1476"},
			{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2"]`, Grammar: "member"},
		},
		MemberAttrs: []lang.Attr{
			{Name: "underlay", Type: cty.String, Default: cty.StringVal(""), Example: `"198.51.100.1"`, Grammar: "ip"},
			{Name: "subnets", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["100.66.1.0/24"]`, Grammar: "cidr"},
		},
		Assemble: assemble,
		Validate: validate,
	}
}

func assemble(d *lang.NetworkDecl) lang.NetworkSpec {
	t := &Network{Type: d.Kind(), Device: d.String("device"), Pool: d.String("pool"), MTU: d.Int("mtu")}
	if t.Device == "" {
		t.Device = d.Name()
	}
	t.Members = d.Members()
	t.Underlay = d.MemberStrings("underlay")
	t.Routes = d.MemberLists("subnets", "subnet")
	return t
}

func validate(d *lang.NetworkDecl, spec lang.NetworkSpec) {
	t := spec.(*Network)
	if d.IsSet("device") {
		d.CheckIfname("device", true, `"gre1"`)
	} else if !lang.IfnameOK(d.Name()) {
		d.NameProblem("Network name too long for a device", fmt.Sprintf(
			"The tunnel device is named after the network, and %q cannot name a Linux interface. Set device, for example device = \"gre1\".", d.Name()))
	}
	pool, poolOK := d.Subnet("pool")
	if poolOK && pool.Bits() != 30 {
		d.Problem("pool", "Pool is not a /30", fmt.Sprintf(
			"pool = %q: a point-to-point tunnel takes its two endpoint addresses from a /30. Write for example pool = %q.", pool, pool.Addr().String()+"/30"))
		poolOK = false
	}
	d.CheckMTU("mtu", "1476")
	// Endpoint addresses come from the pool by position, not from the
	// servers' addresses: check the explicit ones against it here.
	d.CheckMembers(t.Members, netip.Prefix{}, false)
	for i, m := range t.Members {
		if a, err := netip.ParseAddr(m.Address); err == nil && poolOK {
			d.CheckMemberAddressIn(i, a, pool)
		}
	}
	if d.MembersKnown() && len(t.Members) > 0 && len(t.Members) != 2 {
		d.Problem("servers", "A tunnel has two ends", fmt.Sprintf(
			"Network %q lists %d servers; a %s tunnel joins exactly two. Declare one network per pair of servers.", d.Name(), len(t.Members), d.Kind()))
	}
	if s, ok := d.StringOK("pool"); ok && s == "" {
		for _, m := range t.Members {
			if m.Address == "" {
				d.BlockProblem("Tunnel without endpoint addresses", fmt.Sprintf(
					"Network %q gives member %q no address and has no pool to take one from. Write pool = \"100.127.250.0/30\", or member %q { address = \"...\" }.", d.Name(), m.Server, m.Server))
				break
			}
		}
	}
	d.CheckMemberAddresses("underlay")
	d.CheckMemberCIDRLists("subnets")
}

// NetworkMembers are the two ends.
func (t *Network) NetworkMembers() []lang.Member { return t.Members }

// Claims: the tunnel device's name on both ends.
func (t *Network) Claims() []lang.Claim {
	return []lang.Claim{{What: "interface", Value: t.Device, Attr: "device", Hint: "Give one of them another device name."}}
}

// TopologyShape draws a tunnel as a point-to-point shape in `drover graph
// -type=topology`.
func (t *Network) TopologyShape() (shape string, label []string) { return "cds", nil }

// ShowMember is an end's row of `drover show networks`: the pool and the
// tunnel device, up when the device exists and is up.
func (t *Network) ShowMember(_ context.Context, _ lang.Member, _ *lang.Cluster, live core.Live) core.NetworkRow {
	row := core.NetworkRow{Subnet: t.Pool, Device: t.Device}
	if live != nil {
		row.DeviceState(live.Facts(), t.Device)
	}
	return row
}

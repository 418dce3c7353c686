package wireguard

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// Name is the kind's name: `network "wireguard" "NAME"`.
const Name = "wireguard"

// WireGuard topologies.
const (
	TopologyMesh = "mesh" // every member peers with every other
	TopologyHub  = "hub"  // clients peer with the hub only (seed: server + clients)
)

// Network is an encrypted layer-3 network: one WireGuard interface per
// member with an address from Subnet, peers with each other (mesh) or
// through a hub, and routes to the subnets the members share. Private
// keys are made on each host and never leave it.
type Network struct {
	Subnet    string // tunnel subnet, CIDR
	Interface string // default "wg0"
	Port      int    // UDP listen port, default 51820
	Keepalive int    // persistent keepalive in seconds, default 25; 0 = off
	MTU       int    // default 1420
	Topology  string // TopologyMesh (default) or TopologyHub
	Hub       string // the main server, for TopologyHub
	// RotateKeys is a counter: raising it makes every member a new key
	// pair on the next apply.
	RotateKeys int
	// ContainerSubnets shares each member's container subnet (seed:
	// addnetwork wirex subnet s1:...), default true.
	ContainerSubnets bool
	// Members: Address is the tunnel address (default: derived from the
	// server's address like VXLAN overlay addresses), Interface the
	// underlay whose address peers dial.
	Members []lang.Member
	// Share are extra subnets a member routes into the network
	// (`member "s1" { subnets = [...] }`).
	Share map[string][]string
	// Endpoint is the address:port peers dial to reach a member, when not
	// its server address (NAT, another interface).
	Endpoint map[string]string
}

// Kind describes `network "wireguard"` to lang.
func Kind() lang.NetworkKind {
	return lang.NetworkKind{
		Name: Name,
		Attrs: []lang.Attr{
			{Name: "subnet", Type: cty.String, Example: `"100.64.20.0/24"`, Required: true, Grammar: "cidr"},
			{Name: "interface", Type: cty.String, Default: cty.StringVal("wg0"), Example: `"wg0"`, Grammar: "ifname"},
			{Name: "port", Type: cty.Number, Default: cty.NumberIntVal(51820), Example: "51820"},
			{Name: "keepalive", Type: cty.Number, Default: cty.NumberIntVal(25), Example: "25"},
			{Name: "mtu", Type: cty.Number, Default: cty.NumberIntVal(1420), Example: "1420"},
			{Name: "topology", Type: cty.String, Default: cty.StringVal(TopologyMesh), Example: `"hub"`, Grammar: "keyword"},
			{Name: "hub", Type: cty.String, Default: cty.StringVal(""), Example: `"s1"`, Grammar: "server-ref"},
			{Name: "rotate_keys", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "1"},
			{Name: "container_subnets", Type: cty.Bool, Default: cty.True, Example: "true"},
			{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2", "s3"]`, Grammar: "member"},
		},
		MemberAttrs: []lang.Attr{
			{Name: "subnets", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["100.66.1.0/24"]`, Grammar: "cidr"},
			{Name: "endpoint", Type: cty.String, Default: cty.StringVal(""), Example: `"203.0.113.7:51820"`, Grammar: "host-port"},
		},
		Assemble: assemble,
		Validate: validate,
	}
}

func assemble(d *lang.NetworkDecl) lang.NetworkSpec {
	return &Network{
		Subnet:           d.String("subnet"),
		Interface:        d.String("interface"),
		Port:             d.Int("port"),
		Keepalive:        d.Int("keepalive"),
		MTU:              d.Int("mtu"),
		Topology:         d.String("topology"),
		Hub:              d.String("hub"),
		RotateKeys:       d.Int("rotate_keys"),
		ContainerSubnets: d.Bool("container_subnets"),
		Members:          d.Members(),
		Share:            d.MemberLists("subnets", "subnet"),
		Endpoint:         d.MemberStrings("endpoint"),
	}
}

func validate(d *lang.NetworkDecl, spec lang.NetworkSpec) {
	w := spec.(*Network)
	subnet, subnetOK := d.Subnet("subnet")
	d.CheckIfname("interface", true, `"wg0"`)
	d.CheckPort("port", "51820")
	d.CheckInt("keepalive", 0, 65535, "Keepalive out of range", "25")
	d.CheckMTU("mtu", "1420")
	d.CheckInt("rotate_keys", 0, 1<<30, "Key rotation counter out of range", "1")
	d.CheckMembers(w.Members, subnet, subnetOK)
	d.CheckMemberCIDRLists("subnets")
	d.CheckMemberEndpoints()
	checkTopology(d, w)
}

// checkTopology checks topology and hub: a hub network needs its main
// server among the members (seed: the main server cannot be removed while
// clients remain).
func checkTopology(d *lang.NetworkDecl, w *Network) {
	switch w.Topology {
	case TopologyMesh:
		if w.Hub != "" {
			d.Problem("hub", "Hub in a mesh network", fmt.Sprintf(
				"Network %q has topology %q, where every member peers with every other, so hub = %q means nothing. Write topology = %q, or remove hub.",
				d.Name(), TopologyMesh, w.Hub, TopologyHub))
		}
		return
	case TopologyHub:
	default:
		if _, ok := d.StringOK("topology"); ok {
			d.Problem("topology", "Unknown topology", fmt.Sprintf(
				"topology = %q is neither %q (every member peers with every other) nor %q (clients peer with a main server). Write one of them.",
				w.Topology, TopologyMesh, TopologyHub))
		}
		return
	}
	names := memberNames(w.Members)
	if w.Hub == "" {
		d.Problem("topology", "Hub network without a main server", fmt.Sprintf(
			"Network %q has topology %q but no hub. Name its main server, for example hub = %q.", d.Name(), TopologyHub, firstOr(names, "s1")))
		return
	}
	if slices.Contains(names, w.Hub) || !d.MembersKnown() {
		return
	}
	if len(names) == 0 {
		return // "Network has no servers" is reported already
	}
	d.Problem("hub", "Hub is not a member", fmt.Sprintf(
		"The hub %q of network %q is not one of its servers (%s), and the clients only reach each other through it. Add %q to servers, or make a member the hub, for example hub = %q.",
		w.Hub, d.Name(), strings.Join(names, ", "), w.Hub, names[0]))
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

// NetworkMembers are the servers with an interface of the network.
func (w *Network) NetworkMembers() []lang.Member { return w.Members }

// Claims: the interface and its UDP port on every member.
func (w *Network) Claims() []lang.Claim {
	return []lang.Claim{
		{What: "interface", Value: w.Interface, Attr: "interface", Hint: "Give one of them another interface, for example interface = \"wg1\"."},
		{What: "UDP port", Value: strconv.Itoa(w.Port), Attr: "port", Hint: "Give one of them another port, for example port = 51830."},
	}
}

// RoutedSubnets are the tunnel subnet, every member's container subnet
// (unless container_subnets = false) and the subnets it shares.
func (w *Network) RoutedSubnets(c *lang.Cluster) []string {
	out := []string{w.Subnet}
	for _, m := range w.Members {
		if s := c.Server(m.Server); s != nil && w.ContainerSubnets {
			out = append(out, s.Subnet)
		}
		out = append(out, w.Share[m.Server]...)
	}
	return out
}

// TopologyShape labels a hub network with its hub in `drover graph
// -type=topology`.
func (w *Network) TopologyShape() (shape string, label []string) {
	if w.Topology == TopologyHub {
		return "ellipse", []string{"hub " + w.Hub}
	}
	return "ellipse", nil
}

// TopologyHub is the member drawn with a bold edge in `drover graph
// -type=topology`: the hub ("" in a mesh).
func (w *Network) TopologyHub() string { return w.Hub }

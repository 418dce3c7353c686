package l2vpn

import (
	"strconv"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// Name is the kind's name: `network "l2vpn" "NAME"`.
const Name = "l2vpn"

// limits of l2vpn settings
const minVNI, maxVNI = 1, 1<<24 - 1

// Network is an encrypted layer-2 network across servers in different
// networks (the seed's PeerVPN network): a bridge per member holding an
// address of Subnet, joined by VXLAN carried inside a WireGuard mesh whose
// addresses come from TunnelSubnet.
type Network struct {
	Subnet       string // the layer-2 subnet on the bridges, CIDR
	Bridge       string // default "vpl0"
	TunnelSubnet string // WireGuard mesh addresses, default "100.127.255.0/24"
	Interface    string // WireGuard interface, default "peer0"
	Port         int    // WireGuard UDP port, default 51821
	VNI          int    // default 1
	Keepalive    int    // default 25
	RotateKeys   int
	MTU          int // bridge MTU; 0 = derived: link MTU - 80 (WireGuard) - 50 (VXLAN)
	// DHCP runs dnsmasq (DHCP and DNS under Domain) on DHCPHost's bridge
	// for namespaces and containers without a static address; default
	// false, DHCPHost default the first member, Domain default "vpnapp".
	DHCP     bool
	DHCPHost string
	Domain   string
	Members  []lang.Member
	// Endpoint is the address:port peers dial to reach a member.
	Endpoint map[string]string
}

// Kind describes `network "l2vpn"` to lang.
func Kind() lang.NetworkKind {
	return lang.NetworkKind{
		Name: Name,
		Attrs: []lang.Attr{
			{Name: "subnet", Type: cty.String, Example: `"100.64.30.0/24"`, Required: true, Grammar: "cidr"},
			{Name: "bridge", Type: cty.String, Default: cty.StringVal("vpl0"), Example: `"vpl0"`, Grammar: "ifname"},
			{Name: "tunnel_subnet", Type: cty.String, Default: cty.StringVal("100.127.255.0/24"), Example: `"100.127.255.0/24"`, Grammar: "cidr"},
			{Name: "interface", Type: cty.String, Default: cty.StringVal("peer0"), Example: `"peer0"`, Grammar: "ifname"},
			{Name: "port", Type: cty.Number, Default: cty.NumberIntVal(51821), Example: "51821"},
			{Name: "vni", Type: cty.Number, Default: cty.NumberIntVal(1), Example: "1"},
			{Name: "keepalive", Type: cty.Number, Default: cty.NumberIntVal(25), Example: "25"},
			{Name: "rotate_keys", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "1"},
			{Name: "mtu", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "1370"},
			{Name: "dhcp", Type: cty.Bool, Default: cty.False, Example: "true"},
			{Name: "dhcp_host", Type: cty.String, Example: `"s1"`, Grammar: "server-ref", FirstMember: true},
			{Name: "domain", Type: cty.String, Default: cty.StringVal("vpnapp"), Example: `"vpnapp"`, Grammar: "domain"},
			{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2", "s3"]`, Grammar: "member"},
		},
		MemberAttrs: []lang.Attr{
			{Name: "endpoint", Type: cty.String, Default: cty.StringVal(""), Example: `"203.0.113.7:51821"`, Grammar: "host-port"},
		},
		Assemble: assemble,
		Validate: validate,
	}
}

func assemble(d *lang.NetworkDecl) lang.NetworkSpec {
	return &Network{
		Subnet:       d.String("subnet"),
		Bridge:       d.String("bridge"),
		TunnelSubnet: d.String("tunnel_subnet"),
		Interface:    d.String("interface"),
		Port:         d.Int("port"),
		VNI:          d.Int("vni"),
		Keepalive:    d.Int("keepalive"),
		RotateKeys:   d.Int("rotate_keys"),
		MTU:          d.Int("mtu"),
		DHCP:         d.Bool("dhcp"),
		DHCPHost:     d.String("dhcp_host"),
		Domain:       d.String("domain"),
		Members:      d.Members(),
		Endpoint:     d.MemberStrings("endpoint"),
	}
}

func validate(d *lang.NetworkDecl, spec lang.NetworkSpec) {
	v := spec.(*Network)
	subnet, subnetOK := d.Subnet("subnet")
	if subnetOK {
		subnetOK = d.CheckIPv4Subnet("subnet", subnet, "dhcp", `"100.64.30.0/24"`)
	}
	d.Subnet("tunnel_subnet")
	d.CheckIfname("bridge", true, `"vpl0"`)
	d.CheckIfname("interface", true, `"peer0"`)
	d.CheckPort("port", "51821")
	d.CheckInt("vni", minVNI, maxVNI, "VNI out of range", "1")
	d.CheckInt("keepalive", 0, 65535, "Keepalive out of range", "25")
	d.CheckInt("rotate_keys", 0, 1<<30, "Key rotation counter out of range", "1")
	d.CheckMTU("mtu", "1370")
	d.CheckMembers(v.Members, subnet, subnetOK)
	d.CheckMemberEndpoints()
	d.CheckDHCPHost(v.Members)
}

// NetworkMembers are the servers on the VPN.
func (v *Network) NetworkMembers() []lang.Member { return v.Members }

// Claims: the bridge, the WireGuard interface and its UDP port on every
// member.
func (v *Network) Claims() []lang.Claim {
	return []lang.Claim{
		{What: "interface", Value: v.Bridge, Attr: "bridge", Hint: "Give one of them another bridge, for example bridge = \"vpl1\"."},
		{What: "interface", Value: v.Interface, Attr: "interface", Hint: "Give one of them another interface, for example interface = \"peer1\"."},
		{What: "UDP port", Value: strconv.Itoa(v.Port), Attr: "port", Hint: "Give one of them another port, for example port = 51831."},
	}
}

// AttachBridge is the bridge attachments join, with the VPN's subnet.
func (v *Network) AttachBridge() (bridge, subnet string) { return v.Bridge, v.Subnet }

// ContainerBridge is the bridge containers and jobs join, with the VPN's
// subnet.
func (v *Network) ContainerBridge() (bridge, subnet string) { return v.Bridge, v.Subnet }

// DHCPServer is the member running dnsmasq, when dhcp = true.
func (v *Network) DHCPServer() (server string, on bool) { return v.DHCPHost, v.DHCP }

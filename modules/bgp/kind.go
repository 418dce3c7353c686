package bgp

import (
	"fmt"
	"net/netip"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// Name is the kind's name: `network "bgp" "NAME"`.
const Name = "bgp"

// limits of BGP settings
const (
	minASN, maxASN = 1, 4294967294
	// DefaultASNBase is added to the last octet of a member's peering
	// address to give it a private ASN of its own (eBGP).
	DefaultASNBase = 65000
)

// Network is a layer-3 network routed by BGP (bird2): every member peers
// with every other member and announces its subnets (seed: createbgp,
// addbgp peer/network). Members are in Members; their peering address is
// Member.Address (default: the address on Member.Interface, else the
// server's address).
type Network struct {
	// ASN is the one ASN of an iBGP network; 0 gives every member a
	// private ASN of its own (eBGP): 65000 + the last octet of its
	// peering address, unless the member sets asn.
	ASN int
	// ContainerSubnets announces each member's container subnet (its
	// server's subnet), default true.
	ContainerSubnets bool
	HoldTime         int // seconds, default 6
	KeepaliveTime    int // seconds, default 2
	ConnectRetry     int // seconds, default 2
	Members          []lang.Member
	// MemberASN is a member's own ASN (`member "s1" { asn = 65101 }`).
	MemberASN map[string]int
	// Announce are the subnets a member announces besides its container
	// subnet (`member "s1" { announce = ["100.66.1.0/24"] }`).
	Announce map[string][]string
}

// Kind describes `network "bgp"` to lang.
func Kind() lang.NetworkKind {
	return lang.NetworkKind{
		Name: Name,
		Attrs: []lang.Attr{
			{Name: "asn", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "65000"},
			{Name: "container_subnets", Type: cty.Bool, Default: cty.True, Example: "true"},
			{Name: "hold_time", Type: cty.Number, Default: cty.NumberIntVal(6), Example: "6"},
			{Name: "keepalive_time", Type: cty.Number, Default: cty.NumberIntVal(2), Example: "2"},
			{Name: "connect_retry", Type: cty.Number, Default: cty.NumberIntVal(2), Example: "2"},
			{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2", "s3"]`, Grammar: "member"},
		},
		MemberAttrs: []lang.Attr{
			{Name: "asn", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "65101"},
			{Name: "announce", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["100.66.1.0/24"]`, Grammar: "cidr"},
		},
		Assemble: assemble,
		Validate: validate,
	}
}

func assemble(d *lang.NetworkDecl) lang.NetworkSpec {
	return &Network{
		ASN:              d.Int("asn"),
		ContainerSubnets: d.Bool("container_subnets"),
		HoldTime:         d.Int("hold_time"),
		KeepaliveTime:    d.Int("keepalive_time"),
		ConnectRetry:     d.Int("connect_retry"),
		Members:          d.Members(),
		MemberASN:        d.MemberInts("asn"),
		Announce:         d.MemberLists("announce", "subnet"),
	}
}

func validate(d *lang.NetworkDecl, spec lang.NetworkSpec) {
	b := spec.(*Network)
	if asn, ok := d.IntOK("asn"); ok && asn != 0 {
		d.CheckInt("asn", minASN, maxASN, "ASN out of range", "65000")
	}
	hold, holdOK := d.CheckInt("hold_time", 3, 65535, "Hold time out of range", "6")
	keep, keepOK := d.CheckInt("keepalive_time", 1, 21845, "Keepalive time out of range", "2")
	if holdOK && keepOK && keep*3 > hold {
		d.Problem("keepalive_time", "Keepalive too slow for the hold time", fmt.Sprintf(
			"keepalive_time = %d is more than a third of hold_time = %d, so one lost keepalive drops the session. Write for example keepalive_time = %d.", keep, hold, max(1, hold/3)))
	}
	d.CheckInt("connect_retry", 1, 65535, "Connect retry out of range", "2")
	d.CheckMembers(b.Members, netip.Prefix{}, false)
	for _, m := range d.MemberBlocks() {
		if asn, ok := m.IntOK("asn"); ok && asn != 0 {
			m.CheckInt("asn", minASN, maxASN, "ASN out of range", "65101")
			if b, ok := d.IntOK("asn"); ok && b != 0 {
				m.Problem("asn", "Member ASN in an iBGP network", fmt.Sprintf(
					"Network %q sets asn = %d for all its members (iBGP), so member %q cannot have its own. Remove one of the two.", d.Name(), b, m.Server()))
			}
		}
	}
	d.CheckMemberCIDRLists("announce")
}

// NetworkMembers are the peering servers.
func (b *Network) NetworkMembers() []lang.Member { return b.Members }

// Claims: the one bird instance on every member.
func (b *Network) Claims() []lang.Claim {
	return []lang.Claim{{What: "the BGP daemon", Value: "(bird)", Hint: "A server is a member of one BGP network; announce more subnets with member \"NAME\" { announce = [...] } instead."}}
}

// RoutedSubnets are every member's container subnet (unless
// container_subnets = false) and the subnets it announces.
func (b *Network) RoutedSubnets(c *lang.Cluster) []string {
	var out []string
	for _, m := range b.Members {
		if s := c.Server(m.Server); s != nil && b.ContainerSubnets {
			out = append(out, s.Subnet)
		}
		out = append(out, b.Announce[m.Server]...)
	}
	return out
}

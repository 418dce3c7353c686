package lang

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Kinds are the declaration kinds a load understands besides lang's own
// blocks: each kind's package (modules/<kind>) describes itself with a
// NetworkKind or a BlockKind, each host declaration type (modules/generic)
// with an ItemKind, and is added here (modules.Kinds). lang never names a
// registered kind; it reads, evaluates and checks its attributes, and
// hands the kind a NetworkDecl, BlockDecl or ItemCheck to assemble and
// validate its model.
type Kinds struct {
	networks map[string]NetworkKind
	blocks   []BlockKind // in registration order: the order they validate in
	items    []ItemKind  // host declaration types, in registration order
	final    []FinalCheck
}

// NewKinds returns an empty set of kinds.
func NewKinds() *Kinds { return &Kinds{networks: map[string]NetworkKind{}} }

// AddNetwork registers a `network "KIND" "NAME"` kind. A kind registered
// twice, or a string attribute without a grammar, is a programming error
// and panics at startup, before any configuration is read.
func (k *Kinds) AddNetwork(nk NetworkKind) {
	if _, dup := k.networks[nk.Name]; dup {
		panic(fmt.Sprintf("lang: network kind %q registered twice", nk.Name))
	}
	for _, a := range slices.Concat(nk.Attrs, nk.MemberAttrs) {
		if isStringish(a.Type) && grammarByName(a.Grammar) == nil {
			panic(fmt.Sprintf("lang: network kind %q: attribute %q has no grammar (%q is not one)", nk.Name, a.Name, a.Grammar))
		}
	}
	for _, a := range nk.Attrs {
		if a.FirstMember && (a.Type != cty.String || !slices.ContainsFunc(nk.Attrs, func(s Attr) bool { return s.Name == attrServers })) {
			panic(fmt.Sprintf("lang: network kind %q: attribute %q defaults to the first member, so it is a string and the kind has servers", nk.Name, a.Name))
		}
	}
	k.networks[nk.Name] = nk
}

// NetworkKinds lists the registered network kinds, sorted.
func (k *Kinds) NetworkKinds() []string {
	if k == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(k.networks))
}

func (k *Kinds) network(name string) (NetworkKind, bool) {
	if k == nil {
		return NetworkKind{}, false
	}
	nk, ok := k.networks[name]
	return nk, ok
}

// NetworkKind is one kind of `network "KIND" "NAME"` block as lang sees it.
type NetworkKind struct {
	Name string // the block's first label: "bridge", "gre"
	// Attrs are the block's settings; MemberAttrs a member block's
	// settings besides interface and address.
	Attrs, MemberAttrs []Attr
	// GrammarBlock is the block key of the attributes' grammars and of
	// the documentation ("network.tunnel" for gre and ipip); default
	// "network.NAME".
	GrammarBlock string
	// Assemble reads the evaluated settings into the kind's model.
	Assemble func(d *NetworkDecl) NetworkSpec
	// Validate reports what is wrong with them, each problem at the
	// attribute that causes it.
	Validate func(d *NetworkDecl, spec NetworkSpec)
	// ValidateAll, when set, compares all the networks of the kind (two
	// VXLAN networks on one bridge); the generic claim check then leaves
	// pairs of this kind to it. nil = no such check.
	ValidateAll func(ds []*NetworkDecl, specs []NetworkSpec, c *Cluster)
}

func (nk NetworkKind) block() string {
	if nk.GrammarBlock != "" {
		return nk.GrammarBlock
	}
	return blockNetwork + "." + nk.Name
}

// Attr is one setting of a kind's block.
type Attr struct {
	Name string
	Type cty.Type
	// Default is the value when the setting is not written; cty.NilVal
	// means null. Ignored when Required.
	Default  cty.Value
	Required bool
	// Example is a valid value as HCL, for error messages.
	Example string
	// Grammar names what a string (or each string of a list or map)
	// accepts: one of lang's grammars ("ifname", "cidr", "ip",
	// "server-ref", ...; see AttributeGrammars). Required for strings.
	Grammar string
	// FirstMember makes a string setting that is not written default to
	// the server of the network's first member (dhcp_host); the kind
	// needs a servers setting.
	FirstMember bool
}

// specs converts a kind's attributes into lang's attribute specs.
func specsOf(block string, attrs []Attr) []attrSpec {
	out := make([]attrSpec, len(attrs))
	for i, a := range attrs {
		s := attrSpec{name: a.Name, typ: a.Type, deflt: a.Default, example: a.Example, required: a.Required, block: block}
		if a.Required {
			s.deflt = cty.UnknownVal(a.Type)
		}
		if a.Grammar != "" {
			s.grammar = grammarByName(a.Grammar)
		}
		out[i] = s
	}
	return out
}

// NetworkSpec is a network kind's model of one network, kept in
// Network.Spec. What core code needs of every network is asked through
// it; what only the kind's own code needs stays in its concrete type.
type NetworkSpec interface {
	// NetworkMembers are the network's servers, in declaration order.
	NetworkMembers() []Member
	// Claims are the host-wide things the network takes on each member:
	// two networks may not claim the same one on one server.
	Claims() []Claim
}

// RoutedNetwork is a network spec that routes subnets between its
// members at layer 3 (BGP, WireGuard).
type RoutedNetwork interface {
	// RoutedSubnets are the subnets the members reach over the network,
	// in order: each member's container subnet where the network carries
	// them (c has the members' servers), the ones members add, and the
	// network's own.
	RoutedSubnets(c *Cluster) []string
}

// ContainerNetwork is a network spec whose members' bridge carries
// containers and jobs, with addresses of the network's own subnet.
type ContainerNetwork interface {
	// ContainerBridge is the bridge on every member and its subnet.
	ContainerBridge() (bridge, subnet string)
}

// DHCPNetwork is a network spec that may run drover's DHCP server
// (dnsmasq) on one member's bridge.
type DHCPNetwork interface {
	// DHCPServer is the member server that runs it; on is false when the
	// network serves no DHCP.
	DHCPServer() (server string, on bool)
}

// AttachableNetwork is a network spec whose members have a bridge that
// attachments (namespaces) can join.
type AttachableNetwork interface {
	// AttachBridge is the bridge on every member and the subnet the
	// attachments' addresses come from ("" = the servers' own network).
	AttachBridge() (bridge, subnet string)
}

// Claim is one host-wide thing a network takes on each of its members.
type Claim struct {
	What  string // "interface", "UDP port"
	Value string // "gre1", "51820"
	Attr  string // the attribute that sets it, "" when not one
	Hint  string // how to resolve a conflict, for people
}

// NetworkDecl is one network block while its kind assembles and
// validates it: its evaluated settings, its members, and ways to report a
// problem at the attribute that causes it.
type NetworkDecl struct {
	l *loader
	v *validator
	d *networkDecl
}

// Name is the network's name (the block's second label).
func (d *NetworkDecl) Name() string { return d.d.name }

// Kind is the network's kind (the block's first label).
func (d *NetworkDecl) Kind() string { return d.d.kind }

// String, Int and Bool read a setting; each returns the zero value for
// one that is null or failed to evaluate (its problem is reported
// already).

// String is a string setting.
func (d *NetworkDecl) String(attr string) string {
	s, _ := d.l.stringOf(d.d.attrs[attr])
	return s
}

// StringOK is a string setting and whether it evaluated (false for null
// or a failed expression).
func (d *NetworkDecl) StringOK(attr string) (string, bool) { return d.l.stringOf(d.d.attrs[attr]) }

// Int is a number setting.
func (d *NetworkDecl) Int(attr string) int {
	i, _ := d.l.intOf(d.d.attrs[attr])
	return i
}

// Bool is a bool setting.
func (d *NetworkDecl) Bool(attr string) bool {
	b, _ := boolOf(d.d.attrs[attr])
	return b
}

// IsSet tells whether the setting was written in the block.
func (d *NetworkDecl) IsSet(attr string) bool {
	n := d.d.attrs[attr]
	return n != nil && n.expr != nil
}

// Members are the network's members: the servers list, then the member
// blocks, each with where it was written.
func (d *NetworkDecl) Members() []Member { return d.l.membersOf(d.d) }

// MemberStrings is a string member setting of every member block that
// sets it to something other than "", by server.
func (d *NetworkDecl) MemberStrings(attr string) map[string]string {
	return d.l.memberStrings(d.d, attr)
}

// MemberLists is a list(string) member setting of every member block that
// sets it, by server; what names an element in errors ("subnet").
func (d *NetworkDecl) MemberLists(attr, what string) map[string][]string {
	return d.l.memberLists(d.d, attr, what)
}

// MembersKnown tells whether the member list evaluated (a failed
// reference leaves it unknown: do not count members then).
func (d *NetworkDecl) MembersKnown() bool { return d.l.membersKnown(d.d) }

// Problem reports a problem at the attribute attr (the block when attr
// was not written).
func (d *NetworkDecl) Problem(attr, summary, detail string) {
	p := problem{summary, detail}
	if n := d.d.attrs[attr]; n != nil && n.expr != nil {
		d.l.report(n, p)
		return
	}
	d.l.reportAt(d.d.block.DefRange, p)
}

// NameProblem reports a problem at the network's name label.
func (d *NetworkDecl) NameProblem(summary, detail string) {
	d.l.reportAt(d.d.block.LabelRanges[1], problem{summary, detail})
}

// BlockProblem reports a problem at the network block.
func (d *NetworkDecl) BlockProblem(summary, detail string) {
	d.l.reportAt(d.d.block.DefRange, problem{summary, detail})
}

// MemberAddressProblem reports a problem at member i's address.
func (d *NetworkDecl) MemberAddressProblem(i int, summary, detail string) {
	if i < len(d.d.ranges) {
		d.l.reportAt(d.d.ranges[i].addr, problem{summary, detail})
		return
	}
	d.BlockProblem(summary, detail)
}

// MemberProblem reports a problem at member i's entry.
func (d *NetworkDecl) MemberProblem(i int, summary, detail string) {
	d.l.reportAt(memberRange(d.d, i), problem{summary, detail})
}

// CheckIfname checks an interface-name setting (required: "" is wrong).
func (d *NetworkDecl) CheckIfname(attr string, required bool, example string) {
	d.l.checkIfname(d.d.attrs[attr], required, example)
}

// IfnameOK tells whether name can name a Linux interface.
func IfnameOK(name string) bool { return ifnameProblem(name, "name", `"x"`).ok() }

// CheckMTU checks an optional MTU setting (0 = derived).
func (d *NetworkDecl) CheckMTU(attr, example string) { d.l.checkMTU(d.d.attrs[attr], example) }

// Subnet checks a CIDR setting and claims it for the cluster's overlap
// check; ok is false when it is unset or wrong.
func (d *NetworkDecl) Subnet(attr string) (netip.Prefix, bool) {
	return d.l.networkSubnet(d.v, d.d, attr)
}

// CheckMembers checks the members: known servers, no duplicates, and
// addresses inside subnet (when subnetOK) and unique.
func (d *NetworkDecl) CheckMembers(members []Member, subnet netip.Prefix, subnetOK bool) {
	d.l.checkMembers(d.d, members, subnet, subnetOK)
}

// CheckMemberAddressIn reports member i's explicit address when it is not
// a host address of subnet.
func (d *NetworkDecl) CheckMemberAddressIn(i int, addr netip.Addr, subnet netip.Prefix) {
	if i < len(d.d.ranges) {
		d.l.reportAt(d.d.ranges[i].addr, hostProblem(addr, subnet))
	}
}

// CheckMemberAddresses checks a string member setting that holds an IP
// address in every member block that sets it.
func (d *NetworkDecl) CheckMemberAddresses(attr string) {
	for _, m := range d.d.members {
		if s, ok := d.l.stringOf(m.extra[attr]); ok && s != "" {
			_, p := parseAddress(s)
			d.l.report(m.extra[attr], p)
		}
	}
}

// CheckMemberCIDRLists checks a list(string) of subnets in every member
// block.
func (d *NetworkDecl) CheckMemberCIDRLists(attr string) { d.l.checkMemberCIDRLists(d.d, attr) }

// IntOK is a number setting and whether it evaluated.
func (d *NetworkDecl) IntOK(attr string) (int, bool) { return d.l.intOf(d.d.attrs[attr]) }

// CheckInt reports a number setting outside lo..hi (summary names the
// problem, example is a valid value); it returns the value and whether it
// evaluated and is in range.
func (d *NetworkDecl) CheckInt(attr string, lo, hi int, summary, example string) (int, bool) {
	return d.l.checkInt(d.d.attrs[attr], lo, hi, summary, example)
}

// CheckPort reports a port setting outside 1..65535.
func (d *NetworkDecl) CheckPort(attr, example string) { d.l.checkPort(d.d.attrs[attr], example) }

// CheckIPv4Subnet reports a subnet setting (subnet, checked by Subnet)
// that cannot carry a bridge network: IPv6, or too small for a DHCP pool
// when the bool setting dhcpAttr is true. It tells whether subnet is fine.
func (d *NetworkDecl) CheckIPv4Subnet(attr string, subnet netip.Prefix, dhcpAttr, example string) bool {
	return d.l.checkIPv4Subnet(d.d.attrs[attr], subnet, d.d.attrs[dhcpAttr], example)
}

// CheckDHCPHost reports a dhcp_host setting, when written, that names no
// member.
func (d *NetworkDecl) CheckDHCPHost(members []Member) { d.l.checkDHCPHost(d.d, members) }

// CheckMemberEndpoints checks the endpoint = "ADDRESS:PORT" setting of
// every member block that sets it.
func (d *NetworkDecl) CheckMemberEndpoints() { d.l.checkEndpoints(d.d) }

// MemberInts is a number member setting of every member block that sets
// it to something other than 0, by server.
func (d *NetworkDecl) MemberInts(attr string) map[string]int { return d.l.memberInts(d.d, attr) }

// MemberBlocks are the network's `member "SERVER" { ... }` blocks, in the
// order written.
func (d *NetworkDecl) MemberBlocks() []MemberBlock {
	out := make([]MemberBlock, len(d.d.members))
	for i, m := range d.d.members {
		out[i] = MemberBlock{l: d.l, m: m}
	}
	return out
}

// MemberBlock is one member block while its network's kind validates it.
type MemberBlock struct {
	l *loader
	m *memberDecl
}

// Server is the member's server (the block's label).
func (m MemberBlock) Server() string { return m.m.server }

// IntOK is a number member setting and whether it evaluated.
func (m MemberBlock) IntOK(attr string) (int, bool) { return m.l.intOf(m.m.extra[attr]) }

// CheckInt reports a number member setting outside lo..hi, like
// NetworkDecl.CheckInt.
func (m MemberBlock) CheckInt(attr string, lo, hi int, summary, example string) (int, bool) {
	return m.l.checkInt(m.m.extra[attr], lo, hi, summary, example)
}

// Problem reports a problem at the member setting attr (the member block
// when attr was not written).
func (m MemberBlock) Problem(attr, summary, detail string) {
	m.l.report(m.m.extra[attr], problem{summary, detail})
}

// Address checks an IP address setting (not a CIDR, no zone) and returns
// it; ok is false when it is unset, "" or wrong (the problem is reported).
func (d *NetworkDecl) Address(attr string) (netip.Addr, bool) {
	n := d.d.attrs[attr]
	s, ok := d.l.stringOf(n)
	if !ok || s == "" {
		return netip.Addr{}, false
	}
	addr, p := parseAddress(s)
	d.l.report(n, p)
	return addr, p.ok()
}

// CheckDomain checks a DNS domain setting.
func (d *NetworkDecl) CheckDomain(attr, example string) { d.l.checkDomain(d.d.attrs[attr], example) }

// Range is where the network block was declared.
func (d *NetworkDecl) Range() hcl.Range { return d.d.block.DefRange }

// StaticAddressNetwork is a network spec whose members' addresses sit on
// its bridge, so that no container or job may take one of them.
type StaticAddressNetwork interface {
	StaticMemberAddresses() bool
}

// StringLists is a list(list(string)) setting (`links = [["s1", "s2"]]`),
// nil when it is null or not wholly known; a null string is "".
func (d *NetworkDecl) StringLists(attr string) [][]string {
	n := d.d.attrs[attr]
	if n == nil {
		return nil
	}
	v, _ := n.value.UnmarkDeep()
	if !v.IsWhollyKnown() || v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	out := [][]string{}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		inner := []string{}
		if !e.IsNull() && e.CanIterateElements() {
			for it2 := e.ElementIterator(); it2.Next(); {
				_, s := it2.Element()
				if s.IsNull() || !s.Type().Equals(cty.String) {
					inner = append(inner, "")
					continue
				}
				inner = append(inner, s.AsString())
			}
		}
		out = append(out, inner)
	}
	return out
}

// ElementProblem reports a problem at an element of a list setting: path
// [i] is its i-th element, [i, j] the j-th element of that one (a list of
// lists). An element not written as a literal list entry is reported at
// the nearest enclosing expression.
func (d *NetworkDecl) ElementProblem(attr string, path []int, summary, detail string) {
	n := d.d.attrs[attr]
	if n == nil || n.expr == nil {
		d.BlockProblem(summary, detail)
		return
	}
	rng, expr := n.rng, n.expr
	for _, i := range path {
		t, ok := expr.(*hclsyntax.TupleConsExpr)
		if !ok || i < 0 || i >= len(t.Exprs) {
			break
		}
		expr = t.Exprs[i]
		rng = expr.Range()
	}
	d.l.reportAt(rng, problem{summary, detail})
}

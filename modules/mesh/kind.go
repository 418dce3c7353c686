package mesh

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// Name is the kind's name: `network "mesh" "NAME"`.
const Name = "mesh"

// The 802.1D timer defaults: the fastest the kernel's ranges allow that
// keeps the standard's relations (max_age ≤ 2 × (forward_delay − 1) and
// max_age ≥ 2 × (hello_time + 1)), so a lost link reconverges in about
// max_age + 2 × forward_delay = 14 s.
const (
	DefaultForwardDelay = 4
	DefaultHelloTime    = 1
	DefaultMaxAge       = 6
)

// Bridge priorities: the root bridge's and everyone else's.
const (
	RootPriority  = 4096
	OtherPriority = 32768
)

// Network is a redundant layer-2 mesh (seed: ovs-gre-mesh): on every
// member one bridge with spanning tree, joined to the declared peers by
// gretap (layer-2 GRE) links that are ports of the bridge, so the loops
// the links make are cut by spanning tree and reopen when a link fails.
type Network struct {
	Name   string // the network's name
	Bridge string // the bridge on every member, default the network's name
	// Subnet is the layer-2 network's subnet ("" = none): each member's
	// bridge gets an address in it (derived from its server's like
	// vxlan's, or the member's address), and attachments join with
	// addresses from it.
	Subnet  string
	MTU     int // 0 = derived: the smallest member's link MTU − 38
	Members []lang.Member
	// Links are the gretap links, each a pair of members; default (empty
	// links) the full mesh of up to three members.
	Links [][2]string
	// Root is the member whose bridge is the spanning tree's root
	// (priority 4096, the others 32768), default the first member.
	Root string
	// Spanning tree timers, seconds.
	ForwardDelay, HelloTime, MaxAge int
	// Underlay is the outer address of a member, default its server's
	// address.
	Underlay map[string]string
}

// Kind describes `network "mesh"` to lang.
func Kind() lang.NetworkKind {
	return lang.NetworkKind{
		Name: Name,
		Attrs: []lang.Attr{
			{Name: "bridge", Type: cty.String, Default: cty.StringVal(""), Example: `"mesh0"`, Grammar: "ifname"},
			{Name: "subnet", Type: cty.String, Default: cty.StringVal(""), Example: `"100.64.40.0/24"`, Grammar: "cidr"},
			{Name: "mtu", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "1462"},
			{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2", "s3"]`, Grammar: "member"},
			{Name: "links", Type: cty.List(cty.List(cty.String)), Default: cty.ListValEmpty(cty.List(cty.String)), Example: `[["s1", "s2"], ["s2", "s3"]]`, Grammar: "server-ref"},
			{Name: "root", Type: cty.String, Default: cty.StringVal(""), Example: `"s1"`, Grammar: "server-ref", FirstMember: true},
			{Name: "forward_delay", Type: cty.Number, Default: cty.NumberIntVal(DefaultForwardDelay), Example: "4"},
			{Name: "hello_time", Type: cty.Number, Default: cty.NumberIntVal(DefaultHelloTime), Example: "1"},
			{Name: "max_age", Type: cty.Number, Default: cty.NumberIntVal(DefaultMaxAge), Example: "6"},
		},
		MemberAttrs: []lang.Attr{
			{Name: "underlay", Type: cty.String, Default: cty.StringVal(""), Example: `"198.51.100.1"`, Grammar: "ip"},
		},
		Assemble: assemble,
		Validate: validate,
	}
}

func assemble(d *lang.NetworkDecl) lang.NetworkSpec {
	m := &Network{Name: d.Name(), Bridge: d.String("bridge"), Subnet: d.String("subnet"), MTU: d.Int("mtu"), Root: d.String("root"),
		ForwardDelay: d.Int("forward_delay"), HelloTime: d.Int("hello_time"), MaxAge: d.Int("max_age")}
	if m.Bridge == "" {
		m.Bridge = d.Name()
	}
	m.Members = d.Members()
	m.Underlay = d.MemberStrings("underlay")
	for _, l := range d.StringLists("links") {
		if len(l) == 2 {
			m.Links = append(m.Links, [2]string{l[0], l[1]})
		}
	}
	if len(m.Links) == 0 && len(m.Members) <= 3 {
		m.Links = fullMesh(m.Members)
	}
	if m.Root == "" && len(m.Members) > 0 {
		m.Root = m.Members[0].Server
	}
	if m.Subnet != "" {
		return &Carrier{m}
	}
	return m
}

// fullMesh links every member with every later one.
func fullMesh(members []lang.Member) [][2]string {
	var out [][2]string
	for i := range members {
		for j := i + 1; j < len(members); j++ {
			out = append(out, [2]string{members[i].Server, members[j].Server})
		}
	}
	return out
}

func validate(d *lang.NetworkDecl, spec lang.NetworkSpec) {
	m := Model(spec)
	validateBridge(d, m)
	subnet, ok := d.Subnet("subnet")
	d.CheckMembers(m.Members, subnet, ok)
	d.CheckMTU("mtu", "1462")
	d.CheckMemberAddresses("underlay")
	validateTimers(d, m)
	if m.Root != "" && d.IsSet("root") && !m.isMember(m.Root) {
		d.Problem("root", "Root is not a member", fmt.Sprintf(
			"root = %q: the spanning tree's root must be one of the network's servers (%s).", m.Root, m.memberList()))
	}
	validateLinks(d, m)
}

// validateBridge checks the bridge's name, and that its ports' names
// (the bridge's with "g" and the link's number) fit an interface name.
func validateBridge(d *lang.NetworkDecl, m *Network) {
	if d.IsSet("bridge") {
		d.CheckIfname("bridge", true, `"mesh0"`)
	} else if !lang.IfnameOK(d.Name()) {
		d.NameProblem("Network name too long for a device", fmt.Sprintf(
			"The mesh's bridge is named after the network, and %q cannot name a Linux interface. Set bridge, for example bridge = \"mesh0\".", d.Name()))
		return
	}
	if n := len(m.Links); n > 0 && lang.IfnameOK(m.Bridge) && !lang.IfnameOK(PortName(m.Bridge, n-1)) {
		d.Problem("bridge", "Bridge name too long for its ports", fmt.Sprintf(
			"The mesh's links are named after its bridge (%s), which leaves no room in a 15-character interface name for %q. Use a shorter bridge name, for example bridge = \"mesh0\".",
			PortName(m.Bridge, 0), m.Bridge))
	}
}

func validateTimers(d *lang.NetworkDecl, m *Network) {
	for _, t := range []struct {
		attr      string
		v, lo, hi int
	}{{"forward_delay", m.ForwardDelay, 2, 30}, {"hello_time", m.HelloTime, 1, 10}, {"max_age", m.MaxAge, 6, 40}} {
		if t.v < t.lo || t.v > t.hi {
			d.Problem(t.attr, "Spanning tree timer out of range", fmt.Sprintf(
				"%s = %d: the kernel's 802.1D bridge takes %d to %d seconds.", t.attr, t.v, t.lo, t.hi))
			return
		}
	}
	if m.MaxAge > 2*(m.ForwardDelay-1) {
		d.Problem("max_age", "Spanning tree timers could loop", fmt.Sprintf(
			"max_age = %d with forward_delay = %d: 802.1D needs max_age ≤ 2 × (forward_delay − 1), or a port may forward before the old tree's information has aged out everywhere (a broadcast storm). Raise forward_delay to %d or lower max_age.",
			m.MaxAge, m.ForwardDelay, m.MaxAge/2+1+m.MaxAge%2))
	}
	if m.MaxAge < 2*(m.HelloTime+1) {
		d.Problem("max_age", "Spanning tree timers too tight", fmt.Sprintf(
			"max_age = %d with hello_time = %d: 802.1D needs max_age ≥ 2 × (hello_time + 1), or one late hello ages the root out. Raise max_age to %d.",
			m.MaxAge, m.HelloTime, 2*(m.HelloTime+1)))
	}
}

// validateLinks checks each link (two different members, once) and that
// the links connect every member.
func validateLinks(d *lang.NetworkDecl, m *Network) {
	if !d.MembersKnown() {
		return
	}
	declared := d.StringLists("links")
	if len(declared) == 0 {
		if len(m.Members) > 3 {
			d.Problem("servers", "Mesh without links", fmt.Sprintf(
				"Network %q has %d servers; a full mesh of more than three makes spanning tree slow to converge for no real redundancy (the seed's advice). Declare the links, for example a ring: links = %s.",
				d.Name(), len(m.Members), ringExample(m.Members)))
		}
		return
	}
	seen := map[[2]string]int{}
	for i, l := range declared {
		if !linkOK(d, m, i, l, seen) {
			return
		}
	}
	if cut := m.unreached(); len(cut) > 0 {
		d.Problem("links", "Links leave members out", fmt.Sprintf(
			"The links do not connect %s to %q: add a link to each, for example [%q, %q].",
			strings.Join(quoteAll(cut), ", "), m.Members[0].Server, cut[0], m.Members[0].Server))
	}
}

func linkOK(d *lang.NetworkDecl, m *Network, i int, l []string, seen map[[2]string]int) bool {
	if len(l) != 2 {
		d.ElementProblem("links", []int{i}, "A link joins two servers", fmt.Sprintf(
			"Link %d lists %d servers; write each link as a pair, for example [\"s1\", \"s2\"].", i+1, len(l)))
		return false
	}
	for j, s := range l {
		if !m.isMember(s) {
			d.ElementProblem("links", []int{i, j}, "Unknown server in links", fmt.Sprintf(
				"%q is not a server of network %q (%s). Links join the network's own servers.", s, d.Name(), m.memberList()))
			return false
		}
	}
	if l[0] == l[1] {
		d.ElementProblem("links", []int{i}, "Link to itself", fmt.Sprintf("Link %d joins %q to itself. Name two different servers.", i+1, l[0]))
		return false
	}
	key := [2]string{min(l[0], l[1]), max(l[0], l[1])}
	if first, dup := seen[key]; dup {
		d.ElementProblem("links", []int{i}, "Duplicate link", fmt.Sprintf(
			"Link %d joins %q and %q again (link %d does). Each pair takes one gretap link; remove one.", i+1, l[0], l[1], first+1))
		return false
	}
	seen[key] = i
	return true
}

// unreached are the members the links do not connect to the first one.
func (m *Network) unreached() []string {
	if len(m.Members) == 0 {
		return nil
	}
	reached := map[string]bool{m.Members[0].Server: true}
	for changed := true; changed; {
		changed = false
		for _, l := range m.Links {
			if reached[l[0]] != reached[l[1]] {
				reached[l[0]], reached[l[1]], changed = true, true, true
			}
		}
	}
	var out []string
	for _, mb := range m.Members {
		if !reached[mb.Server] {
			out = append(out, mb.Server)
		}
	}
	return out
}

func (m *Network) isMember(s string) bool {
	return slices.ContainsFunc(m.Members, func(mb lang.Member) bool { return mb.Server == s })
}

func (m *Network) memberList() string {
	var names []string
	for _, mb := range m.Members {
		names = append(names, mb.Server)
	}
	return strings.Join(names, ", ")
}

func ringExample(members []lang.Member) string {
	var pairs []string
	for i := range members {
		pairs = append(pairs, fmt.Sprintf("[%q, %q]", members[i].Server, members[(i+1)%len(members)].Server))
	}
	return "[" + strings.Join(pairs, ", ") + "]"
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

// PortName is the gretap port of link i: the same name on both ends.
func PortName(bridge string, i int) string { return bridge + "g" + strconv.Itoa(i) }

// NetworkMembers are the mesh's servers.
func (m *Network) NetworkMembers() []lang.Member { return m.Members }

// Claims: the bridge's name and its ports' names on every member.
func (m *Network) Claims() []lang.Claim {
	out := []lang.Claim{{What: "interface", Value: m.Bridge, Attr: "bridge", Hint: "Give one of them another bridge, for example bridge = \"mesh1\"."}}
	for i := range m.Links {
		out = append(out, lang.Claim{What: "interface", Value: PortName(m.Bridge, i), Attr: "bridge", Hint: "Give one of them another bridge name."})
	}
	return out
}

// AttachBridge is the bridge attachments join, with addresses from the
// mesh's subnet.
func (m *Network) AttachBridge() (bridge, subnet string) { return m.Bridge, m.Subnet }

// Carrier is a mesh with a subnet, whose bridge carries containers and
// jobs (lang.ContainerNetwork); a mesh without one carries none, and lang
// says so at the container's network.
type Carrier struct{ *Network }

// ContainerBridge is the bridge containers and jobs on the mesh join on
// every member, with addresses of the mesh's subnet (a job's `addresses`
// range is the seed's slice of it).
func (c *Carrier) ContainerBridge() (bridge, subnet string) { return c.Bridge, c.Subnet }

// StaticMemberAddresses: a member's address sits on the mesh's bridge, so
// no container may take it.
func (c *Carrier) StaticMemberAddresses() bool { return true }

// Model is the mesh model of a spec this kind assembled.
func Model(spec lang.NetworkSpec) *Network {
	if c, ok := spec.(*Carrier); ok {
		return c.Network
	}
	return spec.(*Network)
}

// TopologyHub is the member whose edge `drover graph -type=topology`
// draws bold: the spanning tree's root.
func (m *Network) TopologyHub() string { return m.Root }

// TopologyShape draws the mesh in `drover graph -type=topology` with its
// links and root.
func (m *Network) TopologyShape() (shape string, label []string) {
	var links []string
	for _, l := range m.Links {
		links = append(links, l[0]+"-"+l[1])
	}
	label = []string{"root " + m.Root, "links " + strings.Join(links, " ")}
	if m.Subnet != "" {
		label = append([]string{m.Subnet}, label...)
	}
	return "hexagon", label
}

package lang

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// networkKind is what lang knows of one network kind: a kind registered
// through Options.Kinds (modules.Kinds), which lives entirely in its own
// package (modules/<kind>), adapted to the loader.
type networkKind struct {
	specs func() []attrSpec
	// memberSpecs are a member block's settings besides interface and
	// address.
	memberSpecs func() []attrSpec
	assemble    func(l *loader, d *networkDecl, n *Network)
	validate    func(l *loader, v *validator, d *networkDecl, n *Network)
	// firstMember are the string settings that default to the server of
	// the first member (dhcp_host).
	firstMember []string
}

// networkKind is the registered kind called name.
func (l *loader) networkKind(name string) (networkKind, bool) {
	nk, ok := l.opts.Kinds.network(name)
	if !ok {
		return networkKind{}, false
	}
	return registered(nk), true
}

// networkKindNames are the kinds a network block may name, sorted.
func (l *loader) networkKindNames() []string { return l.opts.Kinds.NetworkKinds() }

// registered adapts a registered kind to lang's table entry.
func registered(nk NetworkKind) networkKind {
	var first []string
	for _, a := range nk.Attrs {
		if a.FirstMember {
			first = append(first, a.Name)
		}
	}
	return networkKind{
		firstMember: first,
		specs:       func() []attrSpec { return specsOf(nk.block(), nk.Attrs) },
		memberSpecs: func() []attrSpec { return specsOf(nk.block()+".member", nk.MemberAttrs) },
		assemble: func(l *loader, d *networkDecl, n *Network) {
			n.Spec = nk.Assemble(&NetworkDecl{l: l, d: d})
		},
		validate: func(l *loader, v *validator, d *networkDecl, n *Network) {
			if n.Spec != nil {
				nk.Validate(&NetworkDecl{l: l, v: v, d: d}, n.Spec)
			}
		},
	}
}

// assembleNetwork builds a network through its kind.
func (l *loader) assembleNetwork(d *networkDecl) *Network {
	n := &Network{Name: d.name, Kind: d.kind, DeclRange: d.block.DefRange}
	nk, _ := l.networkKind(d.kind)
	nk.assemble(l, d, n)
	return n
}

func (l *loader) validateNetwork(v *validator, d *networkDecl, n *Network) {
	nk, _ := l.networkKind(d.kind)
	nk.validate(l, v, d, n)
}

// membersOf returns a network's members (the servers list, then member
// blocks) and remembers where each was written, for validation.
func (l *loader) membersOf(d *networkDecl) []Member {
	members, ranges := l.members(d)
	d.ranges = ranges
	return members
}

// memberStrings is a string member setting of every member block that
// sets it to something other than "".
func (l *loader) memberStrings(d *networkDecl, attr string) map[string]string {
	out := map[string]string{}
	for _, m := range d.members {
		if s, ok := l.stringOf(m.extra[attr]); ok && s != "" {
			out[m.server] = s
		}
	}
	return out
}

// memberInts is a number member setting of every member block that sets
// it to something other than 0.
func (l *loader) memberInts(d *networkDecl, attr string) map[string]int {
	out := map[string]int{}
	for _, m := range d.members {
		if i, ok := l.intOf(m.extra[attr]); ok && i != 0 {
			out[m.server] = i
		}
	}
	return out
}

// memberLists is a list(string) member setting of every member block that
// sets it to a non-empty list.
func (l *loader) memberLists(d *networkDecl, attr, what string) map[string][]string {
	out := map[string][]string{}
	for _, m := range d.members {
		n := m.extra[attr]
		for _, e := range l.stringList(n, elementRanges(n), what) {
			out[m.server] = append(out[m.server], e.value)
		}
	}
	return out
}

// checkCIDRList checks every element of a list of subnets.
func (l *loader) checkCIDRList(n *node) {
	ranges := elementRanges(n)
	for _, e := range l.stringList(n, ranges, "subnet") {
		_, p := parseCIDR(e.value)
		l.reportAt(ranges[e.index], p)
	}
}

// checkMemberCIDRLists checks a list(string) of subnets in every member
// block.
func (l *loader) checkMemberCIDRLists(d *networkDecl, attr string) {
	for _, m := range d.members {
		l.checkCIDRList(m.extra[attr])
	}
}

// checkEndpoints checks each member's endpoint = "ADDRESS:PORT".
func (l *loader) checkEndpoints(d *networkDecl) {
	for _, m := range d.members {
		n := m.extra["endpoint"]
		s, ok := l.stringOf(n)
		if !ok || s == "" {
			continue
		}
		if _, err := netip.ParseAddrPort(s); err != nil {
			l.report(n, problem{"Invalid endpoint", fmt.Sprintf(
				"%q is not ADDRESS:PORT; write the address and UDP port peers dial to reach %s, for example endpoint = \"203.0.113.7:51820\".", s, m.server)})
		}
	}
}

// checkInt checks an integer setting against its limits.
func (l *loader) checkInt(n *node, lo, hi int, summary, example string) (int, bool) {
	i, ok := l.intOf(n)
	if ok {
		l.report(n, inRange(i, lo, hi, summary, n.attrName(), example))
	}
	return i, ok && i >= lo && i <= hi
}

// checkMTU checks an optional MTU (0 = derived).
func (l *loader) checkMTU(n *node, example string) {
	if mtu, ok := l.intOf(n); ok && mtu != 0 {
		l.report(n, inRange(mtu, minMTU, maxMTU, "MTU out of range", n.attrName(), example))
	}
}

// networkSubnet checks a network's CIDR attribute and remembers it for the
// overlap check.
func (l *loader) networkSubnet(v *validator, d *networkDecl, attr string) (netip.Prefix, bool) {
	s, ok := l.stringOf(d.attrs[attr])
	if !ok || s == "" {
		return netip.Prefix{}, false
	}
	return l.collectSubnet(v, d.attrs[attr], s, blockNetwork, d.name)
}

// checkOtherNetworkConflicts reports what two networks of the new kinds
// may not share on one server: a bird instance (one BGP network per
// server), a WireGuard interface or port, a bridge.
func (l *loader) checkOtherNetworkConflicts(c *Cluster) {
	type claim struct {
		what, value string
		network     int
		attr        string
	}
	seen := map[string]claim{} // "server\x00what\x00value"
	for j, n := range c.Networks {
		reported := false
		for _, cl := range networkClaims(n) {
			for _, server := range slices.Compact(slices.Sorted(slices.Values(memberNames(networkMembers(n))))) {
				key := server + "\x00" + cl.what + "\x00" + cl.value
				first, dup := seen[key]
				if !dup {
					seen[key] = claim{cl.what, cl.value, j, cl.attr}
					continue
				}
				a := c.Networks[first.network]
				if reported || first.network == j || l.comparesItself(a, n) {
					continue // one report per network; a kind with ValidateAll compares its own
				}
				reported = true
				rng := l.networks[j].block.DefRange
				if node := l.networks[j].attrs[cl.attr]; node != nil && cl.attr != "" && node.expr != nil {
					rng = node.rng
				}
				l.reportAt(rng, problem{"Networks conflict on " + server, fmt.Sprintf(
					"Networks %q (%s) and %q both use %s %s on server %q. %s",
					a.Name, shortPos(a.DeclRange), n.Name, cl.what, cl.value, server, cl.hint)})
			}
		}
	}
}

type networkClaim struct{ what, value, attr, hint string }

// networkClaims are the host-wide things a network takes on each member.
func networkClaims(n *Network) []networkClaim {
	if n.Spec == nil {
		return nil
	}
	var out []networkClaim
	for _, c := range n.Spec.Claims() {
		out = append(out, networkClaim{what: c.What, value: c.Value, attr: c.Attr, hint: c.Hint})
	}
	return out
}

// networkMembers returns the members of a network of any kind.
func networkMembers(n *Network) []Member {
	if n.Spec == nil {
		return nil
	}
	return n.Spec.NetworkMembers()
}

// Members returns the members of a network of any kind.
func (n *Network) Members() []Member { return networkMembers(n) }

// memberRange is where member i of d was written.
func memberRange(d *networkDecl, i int) hcl.Range {
	if i < len(d.ranges) {
		return d.ranges[i].server
	}
	return d.block.DefRange
}

// comparesItself tells whether a and b are of one kind that compares its
// networks itself (NetworkKind.ValidateAll, with its own messages).
func (l *loader) comparesItself(a, b *Network) bool {
	nk, ok := l.opts.Kinds.network(a.Kind)
	return ok && a.Kind == b.Kind && nk.ValidateAll != nil
}

// validateNetworkKinds runs each registered kind's ValidateAll over its
// networks.
func (l *loader) validateNetworkKinds(v *validator, c *Cluster) {
	for _, name := range l.opts.Kinds.NetworkKinds() {
		nk, _ := l.opts.Kinds.network(name)
		if nk.ValidateAll == nil {
			continue
		}
		var ds []*NetworkDecl
		var specs []NetworkSpec
		for i, d := range l.networks {
			if n := c.Networks[i]; n.Kind == name && n.Spec != nil {
				ds = append(ds, &NetworkDecl{l: l, v: v, d: d})
				specs = append(specs, n.Spec)
			}
		}
		if len(ds) > 0 {
			nk.ValidateAll(ds, specs, c)
		}
	}
}

package lang

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/drover/drover/core"
	"github.com/hashicorp/hcl/v2"
)

// limits of settings
const (
	minVNI, maxVNI = 1, 1<<24 - 1
	minPort        = 1
	maxPort        = 65535
	minMTU, maxMTU = 576, 9000
)

// subnetDecl is a subnet some declaration claims, for overlap checks.
type subnetDecl struct {
	prefix netip.Prefix
	// kind and name are its declaration (server "s1"), put into words
	// only when the subnet is reported (owner).
	kind, name string
	rng        hcl.Range
}

// owner names the subnet's declaration: `server "s1"`.
func (d subnetDecl) owner() string { return fmt.Sprintf("%s %q", d.kind, d.name) }

// validator holds what the checks of single declarations learn for the
// checks across declarations.
type validator struct {
	subnets   []subnetDecl
	addresses map[netip.Addr]*serverDecl
	names     map[string]*serverDecl // addresses that are host names, lower case
}

// validate checks the assembled cluster, reporting every problem at the
// attribute that causes it.
func (l *loader) validate(c *Cluster) {
	v := &validator{addresses: map[netip.Addr]*serverDecl{}, names: map[string]*serverDecl{}}
	l.validateSSH()
	for _, d := range l.servers {
		l.validateServer(v, d)
	}
	for i, d := range l.networks {
		l.validateNetwork(v, d, c.Networks[i])
	}
	l.checkOverlaps(v.subnets)
	l.validateBlocks(c, false) // blockkinds.go
	l.validateLate(c)          // static_addresses.go
	l.validateNetworkKinds(v, c)
	l.checkOtherNetworkConflicts(c)
}

// report adds a problem at a node's expression.
func (l *loader) report(n *node, p problem) {
	if p.ok() {
		return
	}
	if s, ok := l.stringOf(n); ok && n.sensitive {
		p.detail = core.HideValue(p.detail, s)
	}
	l.errorf(n.rng, n.ctxRange, p.summary, "%s", p.detail)
}

func (l *loader) validateSSH() {
	if l.ssh == nil {
		return
	}
	a := l.ssh.attrs
	l.checkUser(a["user"])
	l.checkPort(a["port"], "22")
	if jump, ok := l.stringOf(a["jump"]); ok && jump != "" {
		l.report(a["jump"], jumpProblem(jump))
	}
}

func (l *loader) checkUser(n *node) {
	if user, ok := l.stringOf(n); ok {
		l.report(n, userProblem(user))
	}
}

func (l *loader) checkPort(n *node, example string) {
	if port, ok := l.intOf(n); ok {
		l.report(n, inRange(port, minPort, maxPort, "Port out of range", n.attrName(), example))
	}
}

func (l *loader) validateServer(v *validator, d *serverDecl) {
	a := d.attrs
	peer := a["private_address"]
	if s, ok := l.stringOf(peer); !ok || s == "" {
		peer = a["address"]
	}
	for _, n := range []*node{a["address"], a["private_address"]} {
		s, ok := l.stringOf(n)
		if ok && s != "" && !ipLike(s) && n == a["address"] {
			l.checkUniqueName(v, d, s)
		}
		if !ok || !ipLike(s) {
			continue // a host name: checked by its grammar, the IP is learned
		}
		addr, p := parseAddress(s)
		l.report(n, p)
		if p.ok() && n == peer {
			l.checkUniqueAddress(v, d, n, addr)
		}
	}
	l.checkIfname(a["interface"], false, `"eth0"`)
	l.checkIfname(a["bridge"], true, `"cbr0"`)
	if s, ok := l.stringOf(a["subnet"]); ok && s != "" {
		if subnet, ok := l.collectSubnet(v, a["subnet"], s, blockServer, d.name); ok {
			l.checkIPv4Subnet(a["subnet"], subnet, a["dhcp"], `"100.65.1.0/24"`)
		}
	}
	l.checkDomain(a["domain"], `"app"`)
	if d.ssh != nil {
		l.checkUser(d.ssh["user"])
		l.checkPort(d.ssh["port"], "2222")
	}
}

// checkUniqueName refuses two servers with one host name as address: they
// would be one machine, reached twice.
func (l *loader) checkUniqueName(v *validator, d *serverDecl, name string) {
	key := strings.ToLower(name)
	first := v.names[key]
	if first == nil {
		v.names[key] = d
		return
	}
	l.report(d.attrs["address"], problem{"Duplicate server address",
		fmt.Sprintf("Servers %q and %q both have address %q (server %q is at %s). Give each server its own address.",
			first.name, d.name, name, first.name, shortPos(first.block.DefRange))})
}

func (l *loader) checkUniqueAddress(v *validator, d *serverDecl, n *node, addr netip.Addr) {
	first := v.addresses[addr]
	if first == nil {
		v.addresses[addr] = d
		return
	}
	l.report(n, problem{"Duplicate server address",
		fmt.Sprintf("Servers %q and %q both have address %s (server %q is at %s). Give each server its own address.",
			first.name, d.name, addr, first.name, shortPos(first.block.DefRange))})
}

// checkIfname checks an interface or bridge name; an empty optional name
// means "not set".
func (l *loader) checkIfname(n *node, required bool, example string) {
	s, ok := l.stringOf(n)
	if !ok || (s == "" && !required) {
		return
	}
	l.report(n, ifnameProblem(s, n.attrName(), example))
}

func (l *loader) checkDomain(n *node, example string) {
	if s, ok := l.stringOf(n); ok {
		l.report(n, domainProblem(s, n.attrName(), example))
	}
}

// collectSubnet checks a CIDR and remembers it for the overlap check.
func (l *loader) collectSubnet(v *validator, n *node, s, kind, name string) (netip.Prefix, bool) {
	prefix, p := parseCIDR(s)
	l.report(n, p)
	if !p.ok() {
		return netip.Prefix{}, false
	}
	v.subnets = append(v.subnets, subnetDecl{prefix: prefix, kind: kind, name: name, rng: n.rng})
	return prefix, true
}

// checkMembers checks each member of a network: a known server, listed
// once, with a valid interface and an address inside the overlay subnet.
func (l *loader) checkMembers(d *networkDecl, members []Member, subnet netip.Prefix, subnetOK bool) {
	if len(members) == 0 && l.membersKnown(d) {
		l.errorf(d.block.DefRange, nil, "Network has no servers",
			"Network %q lists no servers. Add them, for example servers = [\"s1\", \"s2\"], or remove the network.", d.name)
	}
	seen := map[string]int{}
	addrs := map[netip.Addr]string{}
	for i, m := range members {
		r := d.ranges[i]
		if !l.checkMemberServer(d, m, r.server, seen, i) {
			continue
		}
		if m.Interface != "" {
			l.reportAt(r.iface, ifnameProblem(m.Interface, "interface", `"eth1"`))
		}
		if m.Address != "" {
			l.checkMemberAddress(d, m, r.addr, subnet, subnetOK, addrs)
		} else if subnetOK {
			l.deriveMemberAddress(d, &members[i], r.server, subnet, addrs)
		}
	}
}

// deriveMemberAddress gives a member without an address the overlay host
// with the same low bits as its server's address (198.51.100.3 in
// 100.64.10.0/24 is 100.64.10.3), stable whatever else is declared, and
// reports when that is not a usable, unique address.
func (l *loader) deriveMemberAddress(d *networkDecl, m *Member, rng hcl.Range, subnet netip.Prefix, addrs map[netip.Addr]string) {
	decl := l.syms.servers[m.Server]
	if decl == nil || !subnet.Addr().Is4() {
		return // "local": its address is known at apply
	}
	server, ok := l.peerAddress(decl)
	if !ok {
		return // reported at the server, or learned from facts (modules derive it then)
	}
	if !server.Is4() {
		l.reportAt(rng, problem{"Member needs an overlay address", fmt.Sprintf(
			"Server %q has the IPv6 address %s, so no IPv4 overlay address can be taken from it. Set one: member %q { address = %q }.",
			m.Server, server, m.Server, l.freeOverlayAddress(subnet, addrs))})
		return
	}
	addr := derivedAddress(subnet, server)
	hint := fmt.Sprintf("Server %q (%s) would get %s on network %q, taken from the last bits of its address. Set one explicitly: member %q { address = %q }.",
		m.Server, server, addr, d.name, m.Server, subnet.Addr().Next().Next())
	if p := hostProblem(addr, subnet); !p.ok() {
		l.reportAt(rng, problem{p.summary, hint})
		return
	}
	if other, dup := addrs[addr]; dup {
		l.reportAt(rng, problem{"Duplicate member address", fmt.Sprintf("Members %q and %q of network %q both get %s. %s", other, m.Server, d.name, addr, hint)})
		return
	}
	addrs[addr] = m.Server
	m.Address = addr.String()
}

// membersKnown tells whether the servers list evaluated (so an empty
// member list is real, not the result of an earlier error).
func (l *loader) membersKnown(d *networkDecl) bool {
	return d.attrs[attrServers].value.IsWhollyKnown()
}

func (l *loader) checkMemberServer(d *networkDecl, m Member, rng hcl.Range, seen map[string]int, i int) bool {
	if m.Server == "" {
		l.reportAt(rng, problem{"Invalid member", fmt.Sprintf(
			"A member of network %q has an empty server name. Write NAME or NAME:INTERFACE, for example \"s1\" or \"s2:eth1\".", d.name)})
		return false
	}
	if m.Server != LocalServer && l.syms.servers[m.Server] == nil {
		detail := fmt.Sprintf("Network %q lists server %q, which is not declared.", d.name, m.Server)
		unlisted := slices.DeleteFunc(slices.Clone(l.syms.srvOrder), func(name string) bool { _, listed := seen[name]; return listed })
		if s := suggest(m.Server, unlisted); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else {
			detail += fmt.Sprintf(" Declare it with server %q { address = ... }, or use \"local\" for this machine.", m.Server)
		}
		l.reportAt(rng, problem{"Unknown server", detail})
		return false
	}
	if first, dup := seen[m.Server]; dup {
		l.reportAt(rng, problem{"Server listed twice", fmt.Sprintf(
			"Server %q is already a member of network %q (%s). List each server once.",
			m.Server, d.name, shortPos(d.ranges[first].server))})
		return false
	}
	seen[m.Server] = i
	return true
}

func (l *loader) checkMemberAddress(d *networkDecl, m Member, rng hcl.Range, subnet netip.Prefix, subnetOK bool, addrs map[netip.Addr]string) {
	addr, p := parseAddress(m.Address)
	if !p.ok() {
		l.reportAt(rng, p)
		return
	}
	if subnetOK {
		l.reportAt(rng, hostProblem(addr, subnet))
	}
	if other, dup := addrs[addr]; dup {
		l.reportAt(rng, problem{"Duplicate member address", fmt.Sprintf(
			"Members %q and %q of network %q both have address %s. Give each its own address.", other, m.Server, d.name, addr)})
		return
	}
	addrs[addr] = m.Server
}

// hostProblem checks that addr is a usable host address of subnet.
func hostProblem(addr netip.Addr, subnet netip.Prefix) problem {
	example := subnet.Addr().Next()
	switch {
	case !subnet.Contains(addr):
		return problem{"Address outside the network's subnet", fmt.Sprintf(
			"%s is not inside the network's subnet %s. Write an address of that subnet, for example address = %q.", addr, subnet, example)}
	case addr == subnet.Addr() && subnet.Bits() < subnet.Addr().BitLen()-1:
		return problem{"Address is the network address", fmt.Sprintf(
			"%s is the network address of %s. Write a host address, for example address = %q.", addr, subnet, example)}
	case addr.Is4() && subnet.Bits() < 31 && addr == lastAddr(subnet):
		return problem{"Address is the broadcast address", fmt.Sprintf(
			"%s is the broadcast address of %s. Write a host address, for example address = %q.", addr, subnet, example)}
	}
	return problem{}
}

// lastAddr is the highest address of an IPv4 prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func (l *loader) reportAt(rng hcl.Range, p problem) {
	if !p.ok() {
		l.errorf(rng, nil, p.summary, "%s", p.detail)
	}
}

func (l *loader) checkDHCPHost(d *networkDecl, members []Member) {
	n := d.attrs[attrDHCPHost]
	host, ok := l.stringOf(n)
	names := memberNames(members)
	if n.expr == nil || !ok || len(names) == 0 || slices.Contains(names, host) {
		return
	}
	detail := fmt.Sprintf("dhcp_host = %q is not a member of network %q (members: %s).", host, d.name, strings.Join(names, ", "))
	if s := suggest(host, names); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else {
		detail += " Name one of the members, or add the server to servers."
	}
	l.report(n, problem{"DHCP host is not a member", detail})
}

func memberNames(members []Member) []string {
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.Server
	}
	return names
}

// checkIPv4Subnet reports a subnet drover cannot build a bridge network
// on: IPv6 (not supported yet), or too small for its DHCP pool.
func (l *loader) checkIPv4Subnet(n *node, subnet netip.Prefix, dhcp *node, example string) bool {
	if !subnet.Addr().Is4() {
		l.report(n, problem{"IPv6 subnet not supported", fmt.Sprintf(
			"%s is an IPv6 subnet; bridges, DHCP and NAT are IPv4 for now. Write an IPv4 subnet, for example subnet = %s.", subnet, example)})
		return false
	}
	if on, ok := boolOf(dhcp); ok && on && subnet.Bits() > maxDHCPBits {
		l.report(n, problem{"Subnet too small for DHCP", fmt.Sprintf(
			"%s has too few addresses for a DHCP pool (the upper half of the subnet); use a /%d or larger, or set dhcp = false.", subnet, maxDHCPBits)})
		return false
	}
	return true
}

// maxDHCPBits is the longest prefix that leaves a DHCP pool: a /29.
const maxDHCPBits = 29

// derivedAddress is the host of subnet with the low bits of server.
// DerivedAddress is a member's address on subnet when none is declared:
// the host of subnet with the low bits of the server's address (modules
// derive the "local" server's once its facts give its address).
func DerivedAddress(subnet netip.Prefix, server netip.Addr) netip.Addr {
	return derivedAddress(subnet, server)
}

func derivedAddress(subnet netip.Prefix, server netip.Addr) netip.Addr {
	s, b := subnet.Masked().Addr().As4(), server.As4()
	host := uint32(1)<<(32-subnet.Bits()) - 1
	v := (uint32(s[0])<<24 | uint32(s[1])<<16 | uint32(s[2])<<8 | uint32(s[3])) |
		(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]))&host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// freeOverlayAddress suggests an address of subnet for a member that
// cannot derive one: from the top of the range down (members derive theirs
// from their servers' low bits, so the top is the least likely to be
// taken), skipping every address taken already and every server's derived
// one.
func (l *loader) freeOverlayAddress(subnet netip.Prefix, taken map[netip.Addr]string) string {
	derived := map[netip.Addr]bool{}
	for _, decl := range l.syms.servers {
		if a, ok := l.peerAddress(decl); ok && a.Is4() {
			derived[derivedAddress(subnet, a)] = true
		}
	}
	for a := lastAddr(subnet).Prev(); subnet.Contains(a) && a != subnet.Addr(); a = a.Prev() {
		if _, used := taken[a]; !used && !derived[a] {
			return a.String()
		}
	}
	return subnet.Addr().Next().String()
}

// peerAddress is the IP address peers use for a server: private_address
// when set, else address when it is an IP address. ok is false when it is
// learned from facts (address is a host name) or invalid (reported at the
// server).
func (l *loader) peerAddress(decl *entity) (netip.Addr, bool) {
	s, ok := l.stringOf(decl.attrs["private_address"])
	if !ok || s == "" {
		s, ok = l.stringOf(decl.attrs["address"])
	}
	a, err := netip.ParseAddr(s)
	return a, ok && err == nil
}

package lang

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// memberRanges are where a network member and its settings were written.
type memberRanges struct {
	server, iface, addr hcl.Range
}

// assemble builds the model from the evaluated nodes. Values that failed
// to evaluate were reported already and are left at their zero values.
func (l *loader) assemble() *Cluster {
	c := &Cluster{SSH: l.assembleSSH()}
	for _, s := range l.servers {
		c.Servers = append(c.Servers, l.assembleServer(s, c.SSH))
	}
	for _, nd := range l.networks {
		c.Networks = append(c.Networks, l.assembleNetwork(nd))
	}
	l.assembleBlocks(c) // blockkinds.go
	if usesLocal(c) {
		c.Servers = append(c.Servers, &Server{
			Name: LocalServer, Local: true, Bridge: "cbr0", DHCP: true, Domain: "app",
			Labels: map[string]string{}, User: c.SSH.User, Port: c.SSH.Port, SSH: c.SSH,
		})
	}
	c.indexServers()
	c.Items = l.assembleGeneric(c) // generic_assemble.go
	return c
}

func usesLocal(c *Cluster) bool {
	for _, n := range c.Networks {
		for _, m := range n.Members() {
			if m.Server == LocalServer {
				return true
			}
		}
	}
	return false
}

func (l *loader) assembleSSH() SSH {
	if l.ssh == nil {
		return SSH{User: "root", Port: 22, Agent: true, KnownHosts: "~/.ssh/known_hosts", Become: true, Timeout: 10 * time.Second}
	}
	a := l.ssh.attrs
	s := SSH{DeclRange: l.ssh.block.DefRange}
	s.User, _ = l.stringOf(a["user"])
	s.Port, _ = l.intOf(a["port"])
	s.IdentityFile, _ = l.stringOf(a["identity_file"])
	s.Agent, _ = boolOf(a["agent"])
	s.KnownHosts, _ = l.stringOf(a["known_hosts"])
	s.TrustOnFirst, _ = boolOf(a["trust_on_first_use"])
	s.Jump, _ = l.stringOf(a["jump"])
	s.Become, _ = boolOf(a["become"])
	s.Timeout = l.durationOf(a["timeout"])
	s.Explicit = map[string]bool{}
	for name, w := range l.ssh.written {
		if w {
			s.Explicit[name] = true
		}
	}
	if s.Jump != "" {
		s.Jumps = []string{s.Jump}
	}
	return s
}

// serverSSH is the cluster's ssh settings with the server's own ssh block
// laid over them; the settings written in either are Explicit.
func (l *loader) serverSSH(d *serverDecl, cluster SSH) SSH {
	s := cluster
	s.Explicit = map[string]bool{}
	for name := range cluster.Explicit {
		s.Explicit[name] = true
	}
	a := d.ssh
	if a == nil {
		return s
	}
	setString := func(name string, dst *string) {
		if v, ok := l.stringOf(a[name]); ok {
			*dst = v
			s.Explicit[name] = true
		}
	}
	setBool := func(name string, dst *bool) {
		if v, ok := boolOf(a[name]); ok {
			*dst = v
			s.Explicit[name] = true
		}
	}
	setString("user", &s.User)
	if port, ok := l.intOf(a["port"]); ok {
		s.Port = port
		s.Explicit["port"] = true
	}
	setString("identity_file", &s.IdentityFile)
	setBool("agent", &s.Agent)
	setString("known_hosts", &s.KnownHosts)
	setBool("trust_on_first_use", &s.TrustOnFirst)
	setBool("become", &s.Become)
	if _, ok := l.stringOf(a["timeout"]); ok {
		s.Timeout = l.durationOf(a["timeout"])
		s.Explicit["timeout"] = true
	}
	setString("host", &s.Host)
	if n := a["jump"]; n.value.IsKnown() && !n.value.IsNull() {
		s.Jumps = nil
		for _, e := range l.stringList(n, elementRanges(n), "jump host") {
			s.Jumps = append(s.Jumps, e.value)
		}
		s.Jump = strings.Join(s.Jumps, ",")
		s.Explicit["jump"] = true
	}
	return s
}

func (l *loader) assembleServer(d *serverDecl, ssh SSH) *Server {
	a := d.attrs
	s := &Server{Name: d.name, User: ssh.User, Port: ssh.Port, DeclRange: d.block.DefRange}
	l.assembleServerAddress(s, d)
	s.Interface, _ = l.stringOf(a["interface"])
	s.Subnet, _ = l.stringOf(a["subnet"])
	s.Bridge, _ = l.stringOf(a["bridge"])
	s.DHCP, _ = boolOf(a["dhcp"])
	s.Domain, _ = l.stringOf(a["domain"])
	s.Labels = l.labelsOf(a["labels"])
	l.assembleServerCapacity(s, d) // server_capacity.go
	s.SSH = l.serverSSH(d, ssh)
	s.User, s.Port = s.SSH.User, s.SSH.Port
	return s
}

// members lists a network's members: the servers entries, then the member
// blocks, with where each was written.
func (l *loader) members(d *networkDecl) ([]Member, []memberRanges) {
	var members []Member
	var ranges []memberRanges
	list := d.attrs[attrServers]
	elems := elementRanges(list)
	for _, entry := range l.stringList(list, elems, "server name") {
		rng := elems[entry.index]
		name, iface, _ := strings.Cut(entry.value, ":")
		members = append(members, Member{Server: name, Interface: iface, DeclRange: rng})
		ranges = append(ranges, memberRanges{server: rng, iface: rng, addr: rng})
	}
	listed := len(members)
	refined := map[string]bool{}
	for _, m := range d.members {
		iface, _ := l.stringOf(m.iface)
		addr, _ := l.stringOf(m.addr)
		// A member block of a server in servers refines that member
		// (its own settings, an address, an interface), once.
		if i := slices.IndexFunc(members[:listed], func(o Member) bool { return o.Server == m.server }); i >= 0 && !refined[m.server] {
			refined[m.server] = true
			l.refineMember(&members[i], &ranges[i], m, iface, addr)
			continue
		}
		members = append(members, Member{Server: m.server, Interface: iface, Address: addr, DeclRange: m.block.DefRange})
		ranges = append(ranges, memberRanges{server: m.block.LabelRanges[0], iface: m.iface.rng, addr: m.addr.rng})
	}
	return members, ranges
}

// refineMember applies a member block to the member servers lists: its
// address, and its interface unless the list already names another one.
func (l *loader) refineMember(mb *Member, r *memberRanges, m *memberDecl, iface, addr string) {
	if addr != "" {
		mb.Address, r.addr = addr, m.addr.rng
	}
	switch {
	case iface == "" || iface == mb.Interface:
	case mb.Interface != "":
		l.report(m.iface, problem{"Interface given twice", fmt.Sprintf(
			"servers names %s:%s, and this member block says interface = %q. Give the interface in one place.", mb.Server, mb.Interface, iface)})
	default:
		mb.Interface, r.iface = iface, m.iface.rng
	}
}

// elementRanges returns the range of each element of a list attribute:
// the elements' own when written as a [...] literal, else the whole
// expression's.
func elementRanges(n *node) []hcl.Range {
	count := 0
	if v := n.value; v.IsKnown() && !v.IsNull() && v.Type().IsListType() {
		count = v.LengthInt()
	}
	ranges := make([]hcl.Range, count)
	tuple, literal := n.expr.(*hclsyntax.TupleConsExpr)
	for i := range ranges {
		ranges[i] = n.rng
		if literal && len(tuple.Exprs) == count {
			ranges[i] = tuple.Exprs[i].Range()
		}
	}
	return ranges
}

// stringOf is a string node's value; false when it is unknown (already
// reported) or null (not set).
func (l *loader) stringOf(n *node) (string, bool) {
	v := n.value
	if !v.IsKnown() || v.IsNull() || !v.Type().Equals(cty.String) {
		return "", false
	}
	return v.AsString(), true
}

func boolOf(n *node) (bool, bool) {
	v := n.value
	if !v.IsKnown() || v.IsNull() || !v.Type().Equals(cty.Bool) {
		return false, false
	}
	return v.True(), true
}

// intOf is a number node's value as an int; evaluation made sure it is a
// whole number within the int32 range.
func (l *loader) intOf(n *node) (int, bool) {
	v := n.value
	if !v.IsKnown() || v.IsNull() || !v.Type().Equals(cty.Number) {
		return 0, false
	}
	i, acc := v.AsBigFloat().Int64()
	if acc != big.Exact || i > maxWhole || i < -maxWhole {
		return 0, false
	}
	return int(i), true
}

// durationOf parses a duration string such as "10s".
func (l *loader) durationOf(n *node) time.Duration {
	s, ok := l.stringOf(n)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		l.errorf(n.rng, n.ctxRange, "Invalid duration",
			"%q must be a positive duration with a unit, such as \"10s\", \"1m30s\" or \"500ms\"; got %q.", n.attrName(), s)
		return 0
	}
	return d
}

// labelsOf is a map(string) node's value.
func (l *loader) labelsOf(n *node) map[string]string {
	labels := map[string]string{}
	v := n.value
	if !v.IsWhollyKnown() || v.IsNull() || !v.Type().IsMapType() {
		return labels
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsNull() {
			l.errorf(n.rng, n.ctxRange, "Invalid label value",
				"Label %q is null; every label needs a string value, for example labels = { role = \"web\" }.", k.AsString())
			continue
		}
		labels[k.AsString()] = e.AsString()
	}
	return labels
}

// listEntry is one non-null element of a list and its position.
type listEntry struct {
	index int
	value string
}

// stringList is a list(string) node's elements, reporting null ones at
// their ranges.
func (l *loader) stringList(n *node, ranges []hcl.Range, what string) []listEntry {
	v := n.value
	if !v.IsWhollyKnown() || v.IsNull() || !v.Type().IsListType() {
		return nil
	}
	var out []listEntry
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		i, _ := k.AsBigFloat().Int64()
		if e.IsNull() {
			l.errorf(ranges[i], n.ctxRange, "Invalid list element",
				"Every element of %q must be a %s, not null. Write for example %s = %s.", n.attrName(), what, n.attrName(), n.example)
			continue
		}
		out = append(out, listEntry{index: int(i), value: e.AsString()})
	}
	return out
}

// assembleServerAddress sets the addresses of a server: what drover
// connects to (address as written) and what peers use (private_address,
// else address when it is an IP, else learned from facts).
func (l *loader) assembleServerAddress(s *Server, d *serverDecl) {
	addr, _ := l.stringOf(d.attrs["address"])
	private, _ := l.stringOf(d.attrs["private_address"])
	s.Connect, s.AddressRange = addr, d.attrs["address"].rng
	switch {
	case private != "":
		s.Address = private
	case ipLike(addr):
		s.Address = addr
	default:
		s.LearnAddress = addr != ""
	}
}

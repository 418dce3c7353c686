package lang

// Helpers the block loaders share: attribute nodes, list values, the
// cluster-wide service names (BlockDecl.ClaimName), server references.

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func emptyStrings() cty.Value { return cty.ListValEmpty(cty.String) }

func (l *loader) attrNodes(path []string, specs []attrSpec, content *hcl.BodyContent, fallback hcl.Range) map[string]*node {
	nodes := map[string]*node{}
	for _, spec := range specs {
		nodes[spec.name] = l.attrNode(child(path, spec.name), spec, content.Attributes[spec.name], fallback)
	}
	return nodes
}

// plainList is a list(string) node's non-null elements; null elements are
// reported.
func (l *loader) plainList(n *node) []listEntry {
	return l.stringList(n, elementRanges(n), "string")
}

func listValues(entries []listEntry) []string {
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.value)
	}
	return out
}

// numberMap is a map(number) node's whole-number values.
func (l *loader) numberMap(n *node) map[string]int {
	out := map[string]int{}
	v := n.value
	if !v.IsWhollyKnown() || v.IsNull() || !v.Type().IsMapType() {
		return out
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsNull() {
			continue
		}
		if i, acc := e.AsBigFloat().Int64(); acc == 0 {
			out[k.AsString()] = int(i)
		}
	}
	return out
}

// svcNames tracks names across service blocks: they name files, services
// and nftables tables on the hosts, so they are unique cluster-wide.
type svcNames map[string]hcl.Range

// checkServiceName checks a given or generated name.
func (l *loader) checkServiceName(n *node, name, what string, names svcNames, decl hcl.Range) {
	if name == "" {
		return
	}
	given, _ := l.stringOf(n)
	rng := n.rng
	if given == "" {
		rng = decl
	}
	if !validName(blockServer, name) {
		l.reportAt(rng, problem{"Invalid " + what + " name", fmt.Sprintf(
			"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters). Write for example name = %q.",
			name, suggestIdentifier(name))})
		return
	}
	if first, dup := names[name]; dup {
		detail := fmt.Sprintf("The name %q is already used by the block at %s; names of load balancers, web servers and VIPs are unique.", name, shortPos(first))
		if given == "" {
			detail += " This name was generated: set name = \"...\" on one of them."
		} else {
			detail += " Rename one of them."
		}
		l.reportAt(rng, problem{"Duplicate " + what + " name", detail})
		return
	}
	names[name] = rng
}

// checkServer checks a server attribute names a declared server.
func (l *loader) checkServer(n *node, name string) bool {
	if name == "" || !n.value.IsKnown() {
		return false
	}
	if l.syms.servers[name] != nil {
		return true
	}
	l.report(n, unknownServer(name, l.syms.srvOrder))
	return false
}

func unknownServer(name string, declared []string) problem {
	detail := fmt.Sprintf("Server %q is not declared.", name)
	if s := suggest(name, declared); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else {
		detail += fmt.Sprintf(" Declare it with server %q { address = ... }.", name)
	}
	return problem{"Unknown server", detail}
}

// OwnedSubnet is a declared subnet and who declares it ("network vx1",
// "server s1").
type OwnedSubnet struct{ Owner, CIDR string }

// BridgeSubnets are the declared subnets of bridge on the servers: a VXLAN
// network's overlay subnet, or a server's container subnet.
func (c *Cluster) BridgeSubnets(bridge string, servers []string) []OwnedSubnet {
	var out []OwnedSubnet
	for _, n := range c.Networks {
		if s, ok := n.Spec.(StaticAddressNetwork); ok && s.StaticMemberAddresses() {
			if cn, ok := n.Spec.(ContainerNetwork); ok {
				if br, subnet := cn.ContainerBridge(); br == bridge {
					out = append(out, OwnedSubnet{"network " + n.Name, subnet})
				}
			}
		}
	}
	for _, name := range servers {
		if s := c.Server(name); s != nil && s.Bridge == bridge && s.Subnet != "" {
			out = append(out, OwnedSubnet{"server " + s.Name, s.Subnet})
		}
	}
	return out
}

// IsSQLName tells whether s is a plain SQL identifier: letters, digits
// and '_', not starting with a digit, at most 63 bytes.
func IsSQLName(s string) bool { return sqlName(s) }

func sqlName(s string) bool {
	if len(s) > 63 || s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

package lang

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// staticAddrs are the static addresses claimed on each container network,
// for collision checks: network name -> address -> where.
type staticAddrs map[string]map[netip.Addr]string

func (s staticAddrs) claim(network string, a netip.Addr, who string) (string, bool) {
	if s[network] == nil {
		s[network] = map[netip.Addr]string{}
	}
	if first, dup := s[network][a]; dup {
		return first, false
	}
	s[network][a] = who
	return "", true
}

// validateLate claims the static addresses of the networks'
// members and runs the Late kinds' checks (containers, jobs: they claim
// theirs), then the servers' capacity and the final checks.
func (l *loader) validateLate(c *Cluster) {
	claimed := staticAddrs{}
	for _, n := range c.Networks {
		if s, ok := n.Spec.(StaticAddressNetwork); !ok || !s.StaticMemberAddresses() {
			continue
		}
		for _, m := range n.Members() {
			if a, err := netip.ParseAddr(m.Address); err == nil {
				claimed.claim(n.Name, a, "server "+m.Server+"'s bridge")
			}
		}
	}
	l.claimed = claimed
	l.validateBlocks(c, true) // the Late kinds: containers, jobs, Consul endpoints

	for i, d := range l.servers {
		if capacity, ok := l.intOf(d.attrs[attrCapacity]); ok && capacity < 0 {
			l.report(d.attrs[attrCapacity], problem{"Invalid capacity", fmt.Sprintf(
				"capacity is how many job instances server %q can hold, 0 for no limit; write for example capacity = 8.", c.Servers[i].Name)})
		}
	}
	l.runFinalChecks(c) // the jobs' placement
}

// checkServerList checks that every element of a servers list is a
// declared server (and, with allowed, one of those).
func (l *loader) checkServerList(n *node, allowed []string, why string) {
	ranges := elementRanges(n)
	seen := map[string]bool{}
	for _, e := range l.stringList(n, ranges, "server name") {
		rng := ranges[e.index]
		switch {
		case l.syms.servers[e.value] == nil:
			l.reportAt(rng, unknownServer(e.value, l.syms.srvOrder))
		case seen[e.value]:
			l.reportAt(rng, problem{"Duplicate server", fmt.Sprintf("Server %q is listed twice; remove one.", e.value)})
		case allowed != nil && !slices.Contains(allowed, e.value):
			l.reportAt(rng, problem{"Server not on the network", fmt.Sprintf(
				"Server %q %s; use one of %s, or add it to the network.", e.value, why, strings.Join(allowed, ", "))})
		}
		seen[e.value] = true
	}
}

// containerNetwork reports a network that is not declared or carries no
// containers.
func (l *loader) containerNetwork(rng hcl.Range, name string, c *Cluster) bool {
	n := c.NetworkNamed(name)
	if n == nil {
		names := append([]string{SubnetNetwork}, l.syms.netOrder...)
		detail := fmt.Sprintf("No network named %q is declared.", name)
		if s := suggest(name, names); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		detail += fmt.Sprintf(" Use %q for the server's container subnet, or a declared vxlan or l2vpn network.", SubnetNetwork)
		l.reportAt(rng, problem{"Unknown network", detail})
		return false
	}
	if _, _, ok := c.ContainerBridge(name, nil); !ok {
		l.reportAt(rng, problem{"Network carries no containers", fmt.Sprintf(
			"Network %q is a %s network; containers attach to the bridge of a vxlan or l2vpn network, or to %q (the server's container subnet).", name, n.Kind, SubnetNetwork)})
		return false
	}
	return true
}

// checkStatic checks a static address is inside subnet, not its network,
// bridge (.1) or broadcast address, and not claimed twice.
func (l *loader) checkStatic(rng hcl.Range, ctx *hcl.Range, a netip.Addr, subnet, network, who string, claimed staticAddrs) {
	p, err := netip.ParsePrefix(subnet)
	if err != nil {
		return
	}
	p = p.Masked()
	switch {
	case !p.Contains(a):
		l.errorf(rng, ctx, "Address outside the network", "%s is not in %s, the subnet of %s; pick an address inside it.", a, p, network)
		return
	case a == p.Addr() || a == lastAddr(p):
		l.errorf(rng, ctx, "Reserved address", "%s is the network or broadcast address of %s; pick another.", a, p)
		return
	}
	if first, ok := claimed.claim(network, a, who); !ok {
		l.errorf(rng, ctx, "Duplicate address", "%s on %s is already used by %s; pick another.", a, network, first)
	}
}

func oneOf(attr, got string, known []string) problem {
	detail := fmt.Sprintf("%s is one of %s, not %q.", attr, strings.Join(known, ", "), got)
	if s := suggest(got, known); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	return problem{"Unsupported " + attr, detail}
}

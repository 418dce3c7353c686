// Package bridge expands a `network "bridge"` declaration (plain bridging,
// the seed's "other options") into host resources: on every member a
// bridge over one physical interface, which takes over the server's
// addresses and routes (host kind bridgeport). Namespaces and containers
// attached to the bridge then sit on the servers' own network.
package bridge

import (
	"fmt"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Owner is the declaration name resources of n belong to.
func Owner(n *lang.Network) string { return "network." + n.Name }

// Expand returns, per member server name, what the network wants there.
// facts[name] is nil for a host whose facts are not known (offline plans).
func Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return n.Spec.(*Network).Expand(n, c, facts)
}

// Expand returns, per member server name, what the network wants there.
func (b *Network) Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	out := map[string]*blocks.Set{}
	var errs []string
	for _, m := range b.Members {
		s := c.Server(m.Server)
		if s == nil {
			errs = append(errs, fmt.Sprintf("network %s: unknown server %q", n.Name, m.Server))
			continue
		}
		port, err := Port(b.Bridge, m, s, facts[s.Name])
		if err != nil {
			errs = append(errs, fmt.Sprintf("network %s: %v", n.Name, err))
			continue
		}
		set := &blocks.Set{Owner: Owner(n)}
		set.Add("bridgeport", b.Bridge, map[string]string{"bridge": b.Bridge, "port": port})
		set.Check("link", fmt.Sprintf("bridge %s of %s is up", b.Bridge, n.Name), map[string]string{"name": b.Bridge})
		for _, other := range b.Members {
			peer := c.Server(other.Server)
			if other.Server == m.Server || peer == nil || peer.Local || s.Local {
				continue
			}
			set.Check("ping", fmt.Sprintf("%s reaches %s over bridge %s", s.Name, peer.Name, b.Bridge),
				// Through the bridge only: the peer's address answers by any
				// route, the bridge's path only when the port is bridged.
				map[string]string{"dst": peer.Address, "count": "1", "timeout_ms": "3000", "iface": b.Bridge})
			set.Checks[len(set.Checks)-1].Peer = peer.Name
		}
		out[s.Name] = set
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// Port is the interface that becomes the bridge's port on a member: the
// member's interface, else the server's, else the one the bridge took over
// before (the address now lives on the bridge), else the one holding the
// server's address, else the default route's. Unknown without facts.
func Port(bridge string, m lang.Member, s *lang.Server, f *core.Facts) (string, error) {
	if name := firstNonEmpty(m.Interface, s.Interface); name != "" {
		if f != nil {
			if _, ok := f.Interface(name); !ok {
				return "", fmt.Errorf("server %s has no interface %q to bridge (it has %s)", s.Name, name, interfaceNames(f))
			}
		}
		return name, nil
	}
	if f == nil {
		return core.Unknown, nil
	}
	if port := f.Outputs["bridgeport/"+bridge]["port"]; port != "" {
		return port, nil
	}
	if ifc, ok := f.InterfaceWithIP(s.Address); ok && ifc.Name != bridge {
		return ifc.Name, nil
	}
	if f.DefaultIface != "" && f.DefaultIface != bridge {
		return f.DefaultIface, nil
	}
	return "", fmt.Errorf("server %s: cannot tell which interface to put under bridge %s (none holds %s); name it: servers = [\"%s:eth0\"]",
		s.Name, bridge, s.Address, s.Name)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func interfaceNames(f *core.Facts) string {
	var names []string
	for _, ifc := range f.Interfaces {
		names = append(names, ifc.Name)
	}
	return strings.Join(names, ", ")
}

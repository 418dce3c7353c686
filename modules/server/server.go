// Package server expands a server's own declarations into host resources:
// its container subnet (the seed's setsubnet), which is a bridge carrying
// the subnet's first address, IP forwarding, NAT masquerading for traffic
// leaving the subnet, and dnsmasq for DHCP/DNS on the bridge.
package server

import (
	"fmt"
	"net/netip"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Owner is the declaration name resources of s belong to.
func Owner(s *lang.Server) string { return "server." + s.Name }

// Expand returns what server s itself wants on its host. facts may be nil
// (offline); nothing here depends on them. routed are the subnets the
// cluster routes to this server (not masqueraded, lang.Cluster.
// RoutedSubnets); forward are the DNS domains its dnsmasq forwards
// (blocks.DHCP.Forward).
func Expand(s *lang.Server, facts *core.Facts, routed []string, forward ...string) (*blocks.Set, error) {
	set := &blocks.Set{Owner: Owner(s)}
	if s.Subnet == "" {
		return set, nil
	}
	subnet, err := netip.ParsePrefix(s.Subnet)
	if err != nil {
		return nil, fmt.Errorf("server %s: subnet: %w", s.Name, err)
	}
	gw, err := blocks.Host(subnet, 1)
	if err != nil {
		return nil, fmt.Errorf("server %s: subnet: %w", s.Name, err)
	}
	br := set.Add("link", s.Bridge, map[string]string{"type": "bridge", "up": "true"})
	addr := set.Add("addr", s.Bridge+"/"+netip.PrefixFrom(gw, subnet.Bits()).String(), map[string]string{
		"dev": s.Bridge, "cidr": netip.PrefixFrom(gw, subnet.Bits()).String(),
	}, br)
	if err := blocks.Masquerade(set, blocks.TableName("server", s.Name), []string{subnet.String()}, routed); err != nil {
		return nil, err
	}
	set.Check("link", "container bridge "+s.Bridge+" is up", map[string]string{"name": s.Bridge})
	if !s.DHCP {
		return set, nil
	}
	dhcp := blocks.DHCP{
		Owner: Owner(s), Interface: s.Bridge, Subnet: subnet, Address: gw,
		Router: gw.String(), Domain: s.Domain, Hostname: s.Name, Facts: facts,
		Forward: forward,
	}
	if err := dhcp.AddTo(set, addr); err != nil {
		return nil, fmt.Errorf("server %s: %w", s.Name, err)
	}
	return set, nil
}

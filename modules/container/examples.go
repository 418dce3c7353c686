package container

import (
	"fmt"
	"net/netip"

	"github.com/drover/drover/lang"
)

// Fallback examples, for a network whose subnet is unknown or too small
// to hold them below its DHCP pool.
const (
	exampleAddress = "100.64.10.20"
	exampleRange   = "100.64.10.32/28"
)

// ExampleAddress is a static address to suggest for an interface on
// network of a container on servers: host 20 of the network's subnet (of
// the first server's container subnet for "subnet"), below the DHCP pool
// (the upper half), with the subnet it was taken from ("" when the
// fallback 100.64.10.20 is suggested).
func ExampleAddress(c *lang.Cluster, network string, servers []string) (addr, subnet string) {
	p, ok := exampleSubnet(c, network, servers)
	if !ok || p.Bits() > 26 {
		return exampleAddress, ""
	}
	return nthAddr(p, 20).String(), p.String()
}

// ExampleRange is an addresses range to suggest for a job on network:
// NETWORK.32/28 of its subnet, below the DHCP pool, with that subnet (""
// when the fallback 100.64.10.32/28 is suggested).
func ExampleRange(c *lang.Cluster, network string) (rng, subnet string) {
	p, ok := exampleSubnet(c, network, nil)
	if !ok || network == lang.SubnetNetwork || p.Bits() > 25 {
		return exampleRange, ""
	}
	return fmt.Sprintf("%s/28", nthAddr(p, 32)), p.String()
}

// ContainerNetworkName is the first declared network that carries
// containers and jobs (a vxlan, l2vpn or mesh network), or "vx1" when
// there is none, to name in a suggestion.
func ContainerNetworkName(c *lang.Cluster) string {
	for _, n := range c.Networks {
		if _, ok := n.Spec.(lang.ContainerNetwork); ok {
			return n.Name
		}
	}
	return "vx1"
}

// exampleSubnet is the IPv4 subnet of network as seen from the first of
// servers (or the first server with a container subnet).
func exampleSubnet(c *lang.Cluster, network string, servers []string) (netip.Prefix, bool) {
	var s *lang.Server
	if network == lang.SubnetNetwork {
		if len(servers) > 0 {
			s = c.Server(servers[0])
		}
		for i := 0; s == nil && i < len(c.Servers); i++ {
			if c.Servers[i].Subnet != "" {
				s = c.Servers[i]
			}
		}
	}
	_, subnet, ok := c.ContainerBridge(network, s)
	if !ok {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(subnet)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// nthAddr is host number n of IPv4 prefix p.
func nthAddr(p netip.Prefix, n uint32) netip.Addr {
	b := p.Addr().As4()
	v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) + n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

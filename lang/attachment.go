package lang

import (
	"fmt"
	"net/netip"
	"strconv"
)

// What lang keeps of attachments (modules/attachment owns the kind): the
// DHCP facts of the networks they attach to, which containers share.

// ServesDHCP says whether drover's dnsmasq leases addresses on network
// (AttachSubnet: the container subnet of server).
func (c *Cluster) ServesDHCP(network, server string) bool { return c.servesDHCP(network, server) }

// LeaseServed says whether a namespace on network may get a DHCP lease:
// false only where drover would run the DHCP server and does not (a
// plain bridge relies on the operator's own).
func (c *Cluster) LeaseServed(network, server string) bool {
	served := true
	switch {
	case network == AttachSubnet:
		served = c.Server(server).DHCP
	default:
		for _, net := range c.Networks {
			if d, ok := net.Spec.(DHCPNetwork); ok && net.Name == network {
				_, served = d.DHCPServer()
			}
		}
	}
	return served
}

// StaticInPool says what is wrong with static address a of subnet on
// network (for errors: `"vx1"`): it is in the DHCP pool of a network
// drover's dnsmasq serves for server; "" when it is not.
func (c *Cluster) StaticInPool(p netip.Prefix, network, server, what string) (summary, detail string) {
	if !c.servesDHCP(network, server) || !inDHCPPool(p, p.Addr()) {
		return "", ""
	}
	prob := staticInPool(p, p.Addr(), what)
	return prob.summary, prob.detail
}

// ParseAddress parses an IPv4 or IPv6 address; summary and detail say
// what is wrong with s.
func ParseAddress(s string) (a netip.Addr, summary, detail string) {
	a, p := parseAddress(s)
	return a, p.summary, p.detail
}

// LastAddr is the broadcast address of an IPv4 prefix.
func LastAddr(p netip.Prefix) netip.Addr { return lastAddr(p) }

// servesDHCP says whether drover's dnsmasq leases addresses on network
// (AttachSubnet: the container subnet of server).
func (c *Cluster) servesDHCP(network, server string) bool {
	if network == AttachSubnet {
		s := c.Server(server)
		return s != nil && s.DHCP
	}
	n := c.NetworkNamed(network)
	if n == nil {
		return false
	}
	if d, ok := n.Spec.(DHCPNetwork); ok {
		_, on := d.DHCPServer()
		return on
	}
	return false
}

// inDHCPPool says whether a is in the DHCP pool of subnet: its upper
// half without the broadcast address (modules/blocks.DHCP.Range).
func inDHCPPool(subnet netip.Prefix, a netip.Addr) bool {
	subnet = subnet.Masked()
	if !a.Is4() || !subnet.Addr().Is4() || subnet.Bits() > maxDHCPBits || !subnet.Contains(a) {
		return false
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	host := v & (uint32(1)<<(32-subnet.Bits()) - 1)
	return host >= uint32(1)<<(31-subnet.Bits()) && a != lastAddr(subnet)
}

// staticInPool is the problem of a static address inside the DHCP pool
// of a network drover's dnsmasq serves (it leases those without a ping).
func staticInPool(subnet netip.Prefix, a netip.Addr, network string) problem {
	first, _ := netip.ParsePrefix(subnet.Masked().Addr().String() + "/" + strconv.Itoa(subnet.Bits()+1))
	return problem{"Static address in the DHCP pool", fmt.Sprintf(
		"%s is in the DHCP pool of %s (the upper half of %s), where dnsmasq leases addresses; pick one of the lower half, %s.",
		a, network, subnet.Masked(), first)}
}

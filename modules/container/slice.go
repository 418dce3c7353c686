package container

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Address slices: an image runtime (podman, docker) hands out the
// addresses of the containers that declare none itself, each server from
// its own slice of the network's subnet (the ovs-gre-mesh seed's per-host
// "fixed-cidr"), so that no two servers hand out the same address.
//
// A network's slices are computed from the HCL alone, the same on every
// server: the area is the subnet, or its lower half where drover's
// dnsmasq leases the upper half; the slice size is the largest power of
// two of which the area holds one aligned block per member that holds
// none of the reserved addresses (the subnet's network and broadcast
// addresses, the members' own addresses on the bridge, and every static
// address containers, jobs and attachments declare there); the members,
// in the network's order, take those free blocks in address order. A
// server's container subnet (network "subnet") is its own: its slice is
// computed with that server as the only member.

// minSliceBits is the smallest slice: four addresses.
const minSliceBits = 30

// StaticUser is a declaration that puts static addresses on container
// networks (containers, jobs, attachments): a slice never holds them.
type StaticUser interface {
	// StaticRanges are the addresses (as prefixes: a job's range, or one
	// address /32) it puts on network, on server for the servers' own
	// container subnets.
	StaticRanges(network, server string) []netip.Prefix
}

// StaticRanges: the interfaces' static addresses on network.
func (k *Decl) StaticRanges(network, server string) []netip.Prefix {
	if network == lang.SubnetNetwork && !slices.Contains(k.Servers, server) {
		return nil
	}
	var out []netip.Prefix
	for _, i := range k.Interfaces {
		if a, err := netip.ParseAddr(i.Address); err == nil && i.Network == network {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

// Slice is server's slice of network's subnet, from which an image
// runtime addresses the containers without a static address there.
func Slice(c *lang.Cluster, network, server string) (netip.Prefix, error) {
	s := c.Server(server)
	_, subnet, ok := c.ContainerBridge(network, s)
	if !ok {
		return netip.Prefix{}, fmt.Errorf("network %q has no container bridge on server %s", network, server)
	}
	p, err := netip.ParsePrefix(subnet)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("network %q: subnet %q is not an IPv4 prefix", network, subnet)
	}
	p = p.Masked()
	members := []string{server}
	if network != lang.SubnetNetwork {
		members = c.NetworkServers(network)
	}
	i := slices.Index(members, server)
	if i < 0 {
		return netip.Prefix{}, fmt.Errorf("network %q does not reach server %s", network, server)
	}
	free := freeBlocks(sliceArea(c, p, network, server), reserved(c, p, network, server), len(members))
	if free == nil {
		return netip.Prefix{}, fmt.Errorf(
			"network %q (%s) is too small to give each of its %d servers a slice of at least %d addresses that holds no member's address, no static address and nothing of its DHCP pool",
			network, p, len(members), blocks.Size(netip.PrefixFrom(p.Addr(), minSliceBits)))
	}
	return free[i], nil
}

// sliceArea is the part of subnet p slices are cut from: p, or its lower
// half where drover's dnsmasq leases the upper half.
func sliceArea(c *lang.Cluster, p netip.Prefix, network, server string) netip.Prefix {
	if c.ServesDHCP(network, server) && p.Bits() < 32 {
		return netip.PrefixFrom(p.Addr(), p.Bits()+1)
	}
	return p
}

// reserved are the addresses of p no slice may hold.
func reserved(c *lang.Cluster, p netip.Prefix, network, server string) []netip.Prefix {
	out := []netip.Prefix{netip.PrefixFrom(p.Addr(), 32), netip.PrefixFrom(lang.LastAddr(p), 32)}
	if network == lang.SubnetNetwork {
		if gw, err := blocks.Host(p, 1); err == nil {
			out = append(out, netip.PrefixFrom(gw, 32))
		}
	} else if n := c.NetworkNamed(network); n != nil {
		for _, m := range n.Members() {
			if a, err := netip.ParseAddr(m.Address); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
			}
		}
	}
	for _, d := range c.Decls {
		if u, ok := d.(StaticUser); ok {
			out = append(out, u.StaticRanges(network, server)...)
		}
	}
	return out
}

// freeBlocks are the first n blocks of the largest size of which area
// holds n that overlap no reserved prefix; nil when even the smallest
// size does not give n.
func freeBlocks(area netip.Prefix, reserved []netip.Prefix, n int) []netip.Prefix {
	for bits := area.Bits(); bits <= minSliceBits; bits++ {
		var free []netip.Prefix
		count := blocks.Size(area) / blocks.Size(netip.PrefixFrom(area.Addr(), bits))
		for j := uint64(0); j < count && len(free) < n; j++ {
			first, _ := blocks.Host(area, j*blocks.Size(netip.PrefixFrom(area.Addr(), bits)))
			b := netip.PrefixFrom(first, bits)
			if !slices.ContainsFunc(reserved, b.Overlaps) {
				free = append(free, b)
			}
		}
		if len(free) == n {
			return free
		}
	}
	return nil
}

// Package tunnel expands `network "gre"` and `network "ipip"` declarations
// into host resources: on each of the two ends a point-to-point tunnel
// device between the ends' underlay addresses (seed -l/-r), the end's
// address inside the tunnel (from the /30 pool when not given: .1 for the
// first member, .2 for the second), and routes to the subnets behind the
// other end. The MTU is the underlay's minus the encapsulation (GRE 24,
// IPIP 20). A host whose kernel cannot make the device fails at plan time,
// naming the host and the missing kernel feature.
package tunnel

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Overhead is what each tunnel type adds to a packet: the outer IPv4
// header (20), plus the GRE header (4).
var Overhead = map[string]int{GRE: 24, IPIP: 20}

// kernelFeature names what a kernel needs for each tunnel type.
var kernelFeature = map[string]string{GRE: "GRE tunnels (CONFIG_NET_IPGRE, module ip_gre)", IPIP: "IPIP tunnels (CONFIG_NET_IPIP, module ipip)"}

// Owner is the declaration name resources of n belong to.
func Owner(n *lang.Network) string { return "network." + n.Name }

type end struct {
	server   *lang.Server
	underlay string // outer address
	address  string // inside the tunnel, no prefix
	bits     int
	linkMTU  int
	routes   []string
}

// Expand returns, per end server name, what the tunnel wants there.
func Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return n.Spec.(*Network).Expand(n, c, facts)
}

// Expand returns, per end server name, what the tunnel wants there.
func (t *Network) Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	if len(t.Members) != 2 {
		return nil, fmt.Errorf("network %s: a %s tunnel joins exactly two servers, not %d", n.Name, t.Type, len(t.Members))
	}
	var ends [2]end
	var errs []error
	for i, m := range t.Members {
		e, err := resolve(n, c, m, i, facts[m.Server])
		if err != nil {
			errs = append(errs, err) // both ends' problems at once
		}
		ends[i] = e
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := map[string]*blocks.Set{}
	for i := range ends {
		out[ends[i].server.Name] = expandEnd(n, ends[i], ends[1-i])
	}
	return out, nil
}

func resolve(n *lang.Network, c *lang.Cluster, m lang.Member, i int, f *core.Facts) (end, error) {
	t := n.Spec.(*Network)
	s := c.Server(m.Server)
	if s == nil {
		return end{}, fmt.Errorf("network %s: unknown server %q", n.Name, m.Server)
	}
	if f != nil && !f.HasLinkKind(t.Type) {
		return end{}, fmt.Errorf("network %s: server %s cannot make %s tunnels: its kernel %s lacks %s (it can make: %s). Use a kernel with them, or another kind of network (wireguard)",
			n.Name, s.Name, t.Type, f.Kernel, kernelFeature[t.Type], strings.Join(f.LinkKinds, ", "))
	}
	e := end{server: s, underlay: t.Underlay[s.Name], address: m.Address, bits: 30}
	if e.underlay == "" {
		e.underlay = s.Address
	}
	if e.address == "" {
		pool, err := netip.ParsePrefix(t.Pool)
		if err != nil {
			return end{}, fmt.Errorf("network %s: member %s has no address and pool %q is not a prefix", n.Name, s.Name, t.Pool)
		}
		a, err := blocks.Host(pool, uint64(i+1))
		if err != nil {
			return end{}, err
		}
		e.address = a.String()
	} else if pool, err := netip.ParsePrefix(t.Pool); err == nil {
		e.bits = pool.Bits()
	}
	if f != nil {
		if ifc, ok := f.InterfaceWithIP(e.underlay); ok {
			e.linkMTU = ifc.MTU
		}
	}
	if s.Subnet != "" {
		e.routes = append(e.routes, s.Subnet)
	}
	e.routes = append(e.routes, t.Routes[s.Name]...)
	return e, nil
}

func expandEnd(n *lang.Network, me, peer end) *blocks.Set {
	t := n.Spec.(*Network)
	set := &blocks.Set{Owner: Owner(n)}
	mtu := core.Unknown
	switch {
	case t.MTU > 0:
		mtu = strconv.Itoa(t.MTU)
	case me.linkMTU > 0:
		mtu = strconv.Itoa(me.linkMTU - Overhead[t.Type])
	}
	dev := set.Add("link", t.Device, map[string]string{
		"type": t.Type, "local": me.underlay, "remote": peer.underlay, "mtu": mtu, "up": "true",
	})
	cidr := me.address + "/" + strconv.Itoa(me.bits)
	set.Add("addr", t.Device+"/"+cidr, map[string]string{"dev": t.Device, "cidr": cidr}, dev)
	fwd := blocks.Forwarding(set)
	for _, r := range peer.routes {
		set.Add("route", r, map[string]string{"dst": r, "dev": t.Device}, dev, fwd)
	}
	set.Check("ping", fmt.Sprintf("%s reaches %s through %s tunnel %s", me.server.Name, peer.server.Name, t.Type, t.Device),
		map[string]string{"dst": peer.address, "count": "1", "timeout_ms": "3000"})
	set.Checks[len(set.Checks)-1].Peer = peer.server.Name
	return set
}

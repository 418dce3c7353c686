// Package mesh expands a `network "mesh"` declaration (seed:
// ovs-gre-mesh) into host resources: on every member one Linux bridge
// running the kernel's 802.1D spanning tree, and for each declared link
// that the member ends a gretap (layer-2 GRE) device to the peer, a port
// of the bridge with the same name on both ends. Spanning tree blocks the
// ports that would close a loop and opens them again when a link fails.
// Frames on the mesh carry outer IPv4 (20), GRE (4) and the inner
// Ethernet header (14), so the MTU is the underlay's minus 38. With a
// subnet, each member's bridge holds an address derived from its server's
// (as vxlan's), and attachments join the bridge with addresses from the
// subnet; the mesh runs no DHCP.
//
// Verify proves it works: spanning tree on and the declared root agreed
// on every member, a full-size don't-fragment ping to every other member,
// and no broadcast storm (the frames the bridge hands up to its host stay
// few over a second; a loop floods it with every circulating broadcast).
package mesh

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Overhead is what a gretap link over IPv4 adds to a frame: the outer IPv4
// header (20), the GRE header (4) and the inner Ethernet header (14).
const Overhead = 38

// Owner is the declaration name resources of n belong to.
func Owner(n *lang.Network) string { return "network." + n.Name }

// end is one member, resolved against its server and facts.
type end struct {
	server   *lang.Server
	underlay string // outer address
	address  string // on the bridge, no prefix; "" = none
	linkMTU  int    // 0 = unknown
}

// Expand returns, per member server name, what the mesh wants there.
// facts[name] is nil for a host whose facts are not known (offline
// plans): values derived from them are unknown.
func (m *Network) Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	if len(m.Links) == 0 && len(m.Members) > 1 {
		return nil, fmt.Errorf("network %s: a mesh of %d servers needs declared links", n.Name, len(m.Members))
	}
	ends := map[string]end{}
	var errs []error
	for _, mb := range m.Members {
		e, err := m.resolve(n, c, mb, facts[mb.Server])
		if err != nil {
			errs = append(errs, err) // every member's problem at once
			continue
		}
		ends[mb.Server] = e
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	mtu := m.mtu(ends)
	out := map[string]*blocks.Set{}
	for _, mb := range m.Members {
		out[mb.Server] = m.member(n, ends, mb.Server, mtu)
	}
	return out, nil
}

func (m *Network) resolve(n *lang.Network, c *lang.Cluster, mb lang.Member, f *core.Facts) (end, error) {
	s := c.Server(mb.Server)
	if s == nil {
		return end{}, fmt.Errorf("network %s: unknown server %q", n.Name, mb.Server)
	}
	if f != nil && !f.HasLinkKind("gretap") {
		return end{}, fmt.Errorf("network %s: server %s cannot make gretap links: its kernel %s lacks layer-2 GRE (CONFIG_NET_IPGRE, module ip_gre; it can make: %s). Use a kernel with it (the VM lab's), or another kind of network (vxlan)",
			n.Name, s.Name, f.Kernel, strings.Join(f.LinkKinds, ", "))
	}
	e := end{server: s, underlay: m.Underlay[s.Name], address: mb.Address}
	if e.underlay == "" {
		e.underlay = s.Address
	}
	if e.underlay == "" {
		e.underlay = core.Unknown
	}
	if m.Subnet != "" && e.address == "" {
		return end{}, fmt.Errorf("network %s: member %s has no address on %s (its server's address is not known yet): give it one, member %q { address = \"...\" }",
			n.Name, s.Name, m.Subnet, s.Name)
	}
	if f != nil {
		if ifc, ok := f.InterfaceWithIP(e.underlay); ok {
			e.linkMTU = ifc.MTU
		}
	}
	return e, nil
}

// mtu is the declared MTU, else the smallest member link MTU minus the
// overhead (one layer-2 domain takes one MTU), unknown while a member's is.
func (m *Network) mtu(ends map[string]end) string {
	if m.MTU > 0 {
		return strconv.Itoa(m.MTU)
	}
	smallest := 0
	for _, e := range ends {
		if e.linkMTU == 0 {
			return core.Unknown
		}
		if smallest == 0 || e.linkMTU < smallest {
			smallest = e.linkMTU
		}
	}
	if smallest == 0 {
		return core.Unknown
	}
	return strconv.Itoa(smallest - Overhead)
}

// MAC is the bridge's stable hardware address on a member: with the
// priority it makes the bridge id, so the root's id is known in advance.
func (m *Network) MAC(server string) string {
	return blocks.StableMAC("network", m.Name, server, m.Bridge)
}

// RootID is the root bridge's id as the kernel shows it
// ("1000.02ab..."): the root's priority and MAC.
func (m *Network) RootID() string {
	return fmt.Sprintf("%04x.%s", RootPriority, strings.ReplaceAll(m.MAC(m.Root), ":", ""))
}

// settle is how long the checks wait for the tree: a new port listens
// and learns for two forward delays, and old information ages out after
// max_age; twice that, for a slow host.
func (m *Network) settle() string {
	return strconv.Itoa(2 * (m.MaxAge + 2*m.ForwardDelay) * 1000)
}

func (m *Network) member(n *lang.Network, ends map[string]end, server, mtu string) *blocks.Set {
	me := ends[server]
	set := &blocks.Set{Owner: Owner(n)}
	prio := OtherPriority
	if server == m.Root {
		prio = RootPriority
	}
	br := set.Add("link", m.Bridge, map[string]string{
		"type": "bridge", "mtu": mtu, "up": "true", "mac": m.MAC(server),
		"stp_state": "1", "priority": strconv.Itoa(prio), "forward_delay": strconv.Itoa(m.ForwardDelay),
		"hello_time": strconv.Itoa(m.HelloTime), "max_age": strconv.Itoa(m.MaxAge),
	})
	for i, l := range m.Links {
		j := slices.Index(l[:], server)
		if j < 0 {
			continue
		}
		peer := ends[l[1-j]]
		set.Add("link", PortName(m.Bridge, i), map[string]string{
			"type": "gretap", "local": me.underlay, "remote": peer.underlay, "mtu": mtu, "master": m.Bridge, "up": "true",
		}, br)
	}
	if me.address != "" {
		cidr := me.address + "/" + strings.SplitN(m.Subnet, "/", 2)[1]
		set.Add("addr", m.Bridge+"/"+cidr, map[string]string{"dev": m.Bridge, "cidr": cidr}, br)
	}
	m.checks(n, set, ends, server, mtu)
	return set
}

// checks: the tree first (it must settle before frames pass), then a
// full-size don't-fragment ping to every other member, then no storm.
func (m *Network) checks(n *lang.Network, set *blocks.Set, ends map[string]end, server, mtu string) {
	set.Check("stp", fmt.Sprintf("%s's bridge %s runs spanning tree with root %s", server, m.Bridge, m.Root), m.stpCheck(m.settle()))
	size := "1400"
	if v, err := strconv.Atoi(mtu); err == nil {
		size = strconv.Itoa(v - 28)
	}
	for _, mb := range m.Members {
		peer := ends[mb.Server]
		if mb.Server == server || peer.address == "" {
			continue
		}
		set.Check("ping", fmt.Sprintf("%s reaches %s over mesh %s with %s-byte frames", server, mb.Server, n.Name, mtu),
			map[string]string{"dst": peer.address, "size": size, "df": "true", "count": "1", "timeout_ms": "3000", "retry_ms": m.settle()})
		set.Checks[len(set.Checks)-1].Peer = mb.Server
	}
	set.Check("quiet", fmt.Sprintf("no broadcast storm on %s's bridge %s", server, m.Bridge), map[string]string{"dev": m.Bridge})
}

// stpCheck is the stp check's attributes: the bridge, the root's id.
func (m *Network) stpCheck(retryMS string) map[string]string {
	return map[string]string{"bridge": m.Bridge, "root": m.RootID(), "retry_ms": retryMS}
}

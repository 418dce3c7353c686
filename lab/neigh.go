package lab

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// pinNeighbours gives every host a permanent neighbour (ARP) entry for each
// other host of its /24 and for its gateway, and the outer namespace one
// for each host, so that the lab resolves no address by ARP on its bridge.
//
// All lab hosts share one kernel, and a kernel's neighbour table is one
// table for all its namespaces: past gc_thresh3 (1,024 entries on this
// machine) it refuses new ones ("neighbor table overflow"), so a lab of
// 100 hosts that each resolved ten others left some unable to resolve any
// (a real host has a table of its own). Permanent entries do not count
// against that limit. Addresses that move (a VIP) still use ARP.
func pinNeighbours(st *State) error {
	var hosts []end
	for _, hs := range st.Hosts {
		mac, err := linkMAC(hs.Netns, "eth0")
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(hs.Address)
		if err != nil {
			return err
		}
		hosts = append(hosts, end{ip, mac})
	}
	brMAC, err := linkMAC(st.Netns, st.Bridge)
	if err != nil {
		return err
	}
	var gws []netip.Prefix
	for _, g := range st.Gateways {
		p, err := netip.ParsePrefix(g)
		if err != nil {
			return err
		}
		gws = append(gws, p)
	}
	for i, hs := range st.Hosts {
		var pins []end
		for j, o := range hosts {
			if j != i && sameNet(gws, hosts[i].ip, o.ip) {
				pins = append(pins, o)
			}
		}
		for _, g := range gws {
			if g.Contains(hosts[i].ip) {
				pins = append(pins, end{g.Addr(), brMAC})
			}
		}
		if err := pinIn(hs.Netns, "eth0", pins); err != nil {
			return err
		}
	}
	return pinIn(st.Netns, st.Bridge, hosts)
}

// end is an address and the MAC it is at.
type end struct {
	ip  netip.Addr
	mac net.HardwareAddr
}

// sameNet reports whether a and b are in the same gateway prefix.
func sameNet(gws []netip.Prefix, a, b netip.Addr) bool {
	for _, g := range gws {
		if g.Contains(a) {
			return g.Contains(b)
		}
	}
	return false
}

func linkMAC(ns, name string) (net.HardwareAddr, error) {
	h, err := handleIn(ns)
	if err != nil {
		return nil, err
	}
	defer h.Delete()
	l, err := h.LinkByName(name)
	if err != nil {
		return nil, fmt.Errorf("lab: %s in %s: %w", name, ns, err)
	}
	return l.Attrs().HardwareAddr, nil
}

// pinIn sets a permanent neighbour entry for each of ends on link name of
// namespace ns.
func pinIn(ns, name string, ends []end) error {
	h, err := handleIn(ns)
	if err != nil {
		return err
	}
	defer h.Delete()
	l, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("lab: %s in %s: %w", name, ns, err)
	}
	for _, e := range ends {
		n := &netlink.Neigh{LinkIndex: l.Attrs().Index, Family: netlink.FAMILY_V4, State: netlink.NUD_PERMANENT,
			IP: e.ip.AsSlice(), HardwareAddr: e.mac}
		if err := h.NeighSet(n); err != nil {
			return fmt.Errorf("lab: neighbour %s on %s in %s: %w", e.ip, name, ns, err)
		}
	}
	return nil
}

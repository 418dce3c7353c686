package network

import (
	"fmt"
	"net"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
)

// neighKind manages permanent IPv4 neighbour (ARP) entries, as `ip neigh
// replace IP lladdr MAC dev DEV nud permanent` does: a VXLAN mesh knows
// each member's overlay address and bridge MAC, so its members need no
// broadcast ARP, which head-end replication multiplies by every peer (30
// members resolving each other at once sent ~25,000 copies and lost most).
//
// Name: "DEV/IP". Attributes:
//   - dev: the link (default: the name's first part; replace)
//   - ip: the IPv4 address (default: the name's second part; replace)
//   - mac: the link-layer address
type neighKind struct{}

func (neighKind) ReplaceOn() []string { return []string{"dev", "ip"} }

func (neighKind) Defaults(r core.Resource) core.Resource {
	dev, ip, _ := strings.Cut(r.Name, "/")
	host.SetDefault(r.Attrs, "dev", dev)
	host.SetDefault(r.Attrs, "ip", ip)
	return r
}

func (neighKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	want, err := neighEntry(r.Attrs)
	if isLinkNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	entries, err := netlink.NeighList(want.LinkIndex, netlink.FAMILY_V4)
	if err != nil {
		return nil, false, fmt.Errorf("list neighbours of %s: %w", r.Attrs["dev"], err)
	}
	for _, e := range entries {
		if e.IP.Equal(want.IP) && e.State&netlink.NUD_PERMANENT != 0 {
			return map[string]string{"dev": r.Attrs["dev"], "ip": r.Attrs["ip"], "mac": e.HardwareAddr.String()}, true, nil
		}
	}
	return nil, false, nil
}

func (neighKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	want, err := neighEntry(r.Attrs)
	if err != nil {
		return nil, err
	}
	if err := netlink.NeighSet(want); err != nil {
		return nil, fmt.Errorf("neigh replace %s lladdr %s dev %s: %w", r.Attrs["ip"], r.Attrs["mac"], r.Attrs["dev"], err)
	}
	return nil, nil
}

func (neighKind) Delete(r core.Resource, _ map[string]string) error {
	want, err := neighEntry(r.Attrs)
	_, err = delNeigh(want, err, fmt.Sprintf("neigh del %s dev %s", r.Attrs["ip"], r.Attrs["dev"]))
	return err
}

func neighEntry(attrs map[string]string) (*netlink.Neigh, error) {
	mac, err := net.ParseMAC(attrs["mac"])
	if err != nil {
		return nil, fmt.Errorf("attribute mac=%q: %w", attrs["mac"], err)
	}
	ip, err := ipAttr(attrs, "ip")
	if err != nil {
		return nil, err
	}
	if ip.To4() == nil {
		return nil, fmt.Errorf("attribute ip=%q: not an IPv4 address", attrs["ip"])
	}
	link, err := netlink.LinkByName(attrs["dev"])
	if err != nil {
		return nil, err
	}
	return &netlink.Neigh{
		LinkIndex:    link.Attrs().Index,
		Family:       netlink.FAMILY_V4,
		State:        netlink.NUD_PERMANENT,
		IP:           ip.To4(),
		HardwareAddr: mac,
	}, nil
}

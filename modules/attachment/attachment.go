// Package attachment expands `attachment` declarations (the seed's
// setnet/addnet) into host resources: a container-like network namespace
// on the server with one interface on the bridge of the network it names
// (a vxlan, l2vpn or bridge network, or the server's container bridge),
// with a static address or a DHCP lease (host kind netns).
package attachment

import (
	"fmt"
	"net/netip"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Owner is the declaration name resources of a belong to.
func Owner(a *Decl) string { return "attachment." + a.Name }

// Veth is the host end of the attachment's veth.
func Veth(a *Decl) string { return "at-" + a.Name }

// Expand is what a wants, by server: its namespace on its server
// (modules.Expand runs it with the other registered kinds).
func (a *Decl) Expand(c *lang.Cluster, _ map[string]*core.Facts) (map[string]*blocks.Set, error) {
	set, err := Expand(a, c)
	if err != nil {
		return nil, err
	}
	return map[string]*blocks.Set{a.Server: set}, nil
}

// Expand returns what attachment a wants on its server.
func Expand(a *Decl, c *lang.Cluster) (*blocks.Set, error) {
	s := c.Server(a.Server)
	if s == nil {
		return nil, fmt.Errorf("attachment %s: unknown server %q", a.Name, a.Server)
	}
	bridge, subnet, ok := c.AttachmentBridge(a.Server, a.Network)
	if !ok {
		return nil, fmt.Errorf("attachment %s: network %q has no bridge on server %s", a.Name, a.Network, a.Server)
	}
	attrs := map[string]string{"bridge": bridge, "veth": Veth(a)}
	if a.DHCP {
		attrs["dhcp"] = "true"
	} else {
		attrs["address"] = a.Address
		gw, err := gateway(a, s, subnet)
		if err != nil {
			return nil, err
		}
		if gw != "" {
			attrs["gateway"] = gw
		}
	}
	set := &blocks.Set{Owner: Owner(a)}
	set.Add("netns", a.Name, attrs, bridgeResource(a, c, bridge))
	if a.DHCP {
		set.Check("lease", fmt.Sprintf("attachment %s holds a DHCP lease on %s", a.Name, bridge), map[string]string{"netns": a.Name, "subnet": subnet})
	} else {
		set.Check("link", fmt.Sprintf("attachment %s is plugged into %s", a.Name, bridge), map[string]string{"name": Veth(a)})
	}
	if !a.DHCP {
		p, err := netip.ParsePrefix(a.Address)
		if err != nil {
			return nil, fmt.Errorf("attachment %s: address: %w", a.Name, err)
		}
		set.Check("ping", fmt.Sprintf("%s reaches attachment %s at %s", s.Name, a.Name, p.Addr()),
			map[string]string{"dst": p.Addr().String(), "count": "1", "timeout_ms": "3000"})
	}
	return set, nil
}

// gateway is the declared gateway, else on the container subnet the
// container bridge's address, else none.
func gateway(a *Decl, s *lang.Server, subnet string) (string, error) {
	if a.Gateway != "" || a.Network != lang.AttachSubnet {
		return a.Gateway, nil
	}
	p, err := netip.ParsePrefix(subnet)
	if err != nil {
		return "", fmt.Errorf("attachment %s: subnet of server %s: %w", a.Name, s.Name, err)
	}
	gw, err := blocks.Host(p, 1)
	if err != nil {
		return "", err
	}
	return gw.String(), nil
}

// bridgeResource is the ID of the resource that makes the bridge on the
// server, which the namespace comes after.
func bridgeResource(a *Decl, c *lang.Cluster, bridge string) string {
	for _, n := range c.Networks {
		if b, ok := n.Spec.(interface{ BridgeResource() string }); ok && n.Name == a.Network {
			return b.BridgeResource()
		}
	}
	return "link/" + bridge
}

// Live is what the host's facts say of a's namespace, for `drover
// show attachments`: its live address (leased or static) and state.
func Live(a *Decl, f *core.Facts) (address, state string) {
	if f == nil {
		return "", "unknown"
	}
	out, ok := f.Outputs["netns/"+a.Name]
	if !ok {
		return "", "absent"
	}
	return out["address"], out["state"]
}

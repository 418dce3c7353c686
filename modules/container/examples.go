package container

import (
	"fmt"
	"net/netip"

	"github.com/drover/drover/lang"
)

// exampleRange is the example range for a network whose subnet is
// unknown or too small to hold it below its DHCP pool.
const exampleRange = "100.64.10.32/28"

// ExampleRange is an addresses range to suggest for a job on network (a
// declared network, not "subnet"): NETWORK.32/28 of its subnet, below the
// DHCP pool, with that subnet ("" when the fallback 100.64.10.32/28 is
// suggested).
func ExampleRange(c *lang.Cluster, network string) (rng, subnet string) {
	_, s, ok := c.ContainerBridge(network, nil)
	p, err := netip.ParsePrefix(s)
	if !ok || err != nil || !p.Addr().Is4() || p.Bits() > 25 {
		return exampleRange, ""
	}
	p = p.Masked()
	b := p.Addr().As4()
	return fmt.Sprintf("%d.%d.%d.%d/28", b[0], b[1], b[2], b[3]+32), p.String()
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

package lang

import "github.com/hashicorp/hcl/v2"

// AttachSubnet is the network name an attachment uses for the container
// subnet of its server (the server's container bridge, cbr0).
const AttachSubnet = "subnet"

// Attachment is one `attachment "NAME" { ... }` block (the seed's setnet,
// addnet and listnet): a container-like network namespace NAME on Server
// whose interface eth0 sits on a bridge of Network.
type Attachment struct {
	Name    string
	Server  string
	Network string // a vxlan, l2vpn or bridge network, or AttachSubnet (default)
	Address string // static address with its prefix length, "" = DHCP
	DHCP    bool   // lease the address (and MTU, router) from the network's DHCP server
	// Gateway is the default route of a static address, "" = none (on the
	// container subnet: the container bridge's address).
	Gateway string

	DeclRange hcl.Range
}

// AttachmentBridge is the bridge an attachment's interface joins on its
// server, and the subnet of that bridge ("" for a plain bridge network,
// which carries the servers' own subnet).
func (c *Cluster) AttachmentBridge(a *Attachment) (bridge, subnet string, ok bool) {
	if a.Network == AttachSubnet {
		s := c.Server(a.Server)
		if s == nil || s.Subnet == "" {
			return "", "", false
		}
		return s.Bridge, s.Subnet, true
	}
	for _, n := range c.Networks {
		if n.Name != a.Network {
			continue
		}
		if b, ok := n.Spec.(AttachableNetwork); ok {
			bridge, subnet := b.AttachBridge()
			return bridge, subnet, true
		}
	}
	return "", "", false
}

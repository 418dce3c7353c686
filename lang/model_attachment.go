package lang

// AttachSubnet is the network name an attachment uses for the container
// subnet of its server (the server's container bridge, cbr0).
const AttachSubnet = "subnet"

// AttachmentBridge is the bridge an attachment's interface joins on
// server for network, and the subnet of that bridge ("" for a plain bridge
// network, which carries the servers' own subnet).
func (c *Cluster) AttachmentBridge(server, network string) (bridge, subnet string, ok bool) {
	if network == AttachSubnet {
		s := c.Server(server)
		if s == nil || s.Subnet == "" {
			return "", "", false
		}
		return s.Bridge, s.Subnet, true
	}
	for _, n := range c.Networks {
		if n.Name != network {
			continue
		}
		if b, ok := n.Spec.(AttachableNetwork); ok {
			bridge, subnet := b.AttachBridge()
			return bridge, subnet, true
		}
	}
	return "", "", false
}

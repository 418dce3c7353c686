package lang

import ()

// SubnetNetwork is the network name a container interface or a job uses for
// the container subnet of the server it runs on (bridge cbr0).
const SubnetNetwork = "subnet"

// NetworkNamed returns the network named name, or nil.
func (c *Cluster) NetworkNamed(name string) *Network {
	for _, n := range c.Networks {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// ContainerBridge is the bridge and subnet a container interface on
// network name attaches to on server s. ok is false for an unknown
// network or one that carries no containers.
func (c *Cluster) ContainerBridge(name string, s *Server) (bridge, subnet string, ok bool) {
	if name == SubnetNetwork {
		if s == nil || s.Subnet == "" {
			return "", "", false
		}
		return s.Bridge, s.Subnet, true
	}
	n := c.NetworkNamed(name)
	if n == nil {
		return "", "", false
	}
	if cn, ok := n.Spec.(ContainerNetwork); ok {
		bridge, subnet := cn.ContainerBridge()
		return bridge, subnet, true
	}
	return "", "", false
}

// NetworkServers are the servers a container network reaches: the
// members of a declared network, or every server with a container subnet.
func (c *Cluster) NetworkServers(name string) []string {
	var out []string
	if name == SubnetNetwork {
		for _, s := range c.Servers {
			if s.Subnet != "" {
				out = append(out, s.Name)
			}
		}
		return out
	}
	n := c.NetworkNamed(name)
	var members []Member
	if n != nil {
		if _, ok := n.Spec.(ContainerNetwork); ok {
			members = n.Members()
		}
	}
	for _, m := range members {
		out = append(out, m.Server)
	}
	return out
}

package lang

// WireGuard topologies.
const (
	TopologyMesh = "mesh" // every member peers with every other
	TopologyHub  = "hub"  // clients peer with the hub only (seed: server + clients)
)

// WireGuard is an encrypted layer-3 network: one WireGuard interface per
// member with an address from Subnet, peers with each other (mesh) or
// through a hub, and routes to the subnets the members share. Private
// keys are made on each host and never leave it.
type WireGuard struct {
	Subnet    string // tunnel subnet, CIDR
	Interface string // default "wg0"
	Port      int    // UDP listen port, default 51820
	Keepalive int    // persistent keepalive in seconds, default 25; 0 = off
	MTU       int    // default 1420
	Topology  string // TopologyMesh (default) or TopologyHub
	Hub       string // the main server, for TopologyHub
	// RotateKeys is a counter: raising it makes every member a new key
	// pair on the next apply.
	RotateKeys int
	// ContainerSubnets shares each member's container subnet (seed:
	// addnetwork wirex subnet s1:...), default true.
	ContainerSubnets bool
	// Members: Address is the tunnel address (default: derived from the
	// server's address like VXLAN overlay addresses), Interface the
	// underlay whose address peers dial.
	Members []Member
	// Share are extra subnets a member routes into the network
	// (`member "s1" { subnets = [...] }`).
	Share map[string][]string
	// Endpoint is the address:port peers dial to reach a member, when not
	// its server address (NAT, another interface).
	Endpoint map[string]string
}

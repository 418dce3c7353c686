package lang

// Tunnel is a point-to-point GRE or IPIP tunnel between two servers (seed:
// addtunnel gre|ipip s1 s2 -l IP -r IP).
type Tunnel struct {
	Type   string // "gre" or "ipip" (the network's kind)
	Device string // tunnel interface name, default the network's name
	// Pool is the /30 the endpoint addresses come from (.1 for the first
	// member, .2 for the second) when members set no address.
	Pool string
	MTU  int // 0 = derived: link MTU - 24 (GRE) or - 20 (IPIP)
	// Members are the two ends: Address is the endpoint address (inside
	// the tunnel), Interface the underlay.
	Members []Member
	// Underlay is the outer address of a member (seed -l/-r), default
	// its server's address.
	Underlay map[string]string
	// Routes are the subnets behind a member that the other end routes
	// through the tunnel: its container subnet plus `subnets`.
	Routes map[string][]string
}

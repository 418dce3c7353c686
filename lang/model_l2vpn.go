package lang

// L2VPN is an encrypted layer-2 network across servers in different
// networks (the seed's PeerVPN network): a bridge per member holding an
// address of Subnet, joined by VXLAN carried inside a WireGuard mesh whose
// addresses come from TunnelSubnet.
type L2VPN struct {
	Subnet       string // the layer-2 subnet on the bridges, CIDR
	Bridge       string // default "vpl0"
	TunnelSubnet string // WireGuard mesh addresses, default "100.127.255.0/24"
	Interface    string // WireGuard interface, default "peer0"
	Port         int    // WireGuard UDP port, default 51821
	VNI          int    // default 1
	Keepalive    int    // default 25
	RotateKeys   int
	MTU          int // bridge MTU; 0 = derived: link MTU - 80 (WireGuard) - 50 (VXLAN)
	// DHCP runs dnsmasq (DHCP and DNS under Domain) on DHCPHost's bridge
	// for namespaces and containers without a static address; default
	// false, DHCPHost default the first member, Domain default "vpnapp".
	DHCP     bool
	DHCPHost string
	Domain   string
	Members  []Member
	// Endpoint is the address:port peers dial to reach a member.
	Endpoint map[string]string
}

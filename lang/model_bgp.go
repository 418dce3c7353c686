package lang

// BGP is a layer-3 network routed by BGP (bird2): every member peers with
// every other member and announces its subnets (seed: createbgp, addbgp
// peer/network). Members are in Members; their peering address is
// Member.Address (default: the address on Member.Interface, else the
// server's address).
type BGP struct {
	// ASN is the one ASN of an iBGP network; 0 gives every member a
	// private ASN of its own (eBGP): 65000 + the last octet of its
	// peering address, unless the member sets asn.
	ASN int
	// ContainerSubnets announces each member's container subnet (its
	// server's subnet), default true.
	ContainerSubnets bool
	HoldTime         int // seconds, default 6
	KeepaliveTime    int // seconds, default 2
	ConnectRetry     int // seconds, default 2
	Members          []Member
	// MemberASN is a member's own ASN (`member "s1" { asn = 65101 }`).
	MemberASN map[string]int
	// Announce are the subnets a member announces besides its container
	// subnet (`member "s1" { announce = ["100.66.1.0/24"] }`).
	Announce map[string][]string
}

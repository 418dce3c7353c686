package container

import "github.com/hashicorp/hcl/v2"

// Check kinds of container services.
const (
	CheckTCP  = "tcp"
	CheckHTTP = "http"
	CheckNone = "none"
)

// NetInterface is an `interface "NETWORK" { ... }` block: an interface
// on a declared network's bridge or, for lang.SubnetNetwork, on the
// server's container bridge.
type NetInterface struct {
	Network string
	Address string // static IPv4 address without prefix, "" = DHCP
	// Gateway is the default route; "" = the container bridge's address
	// for a static address on the subnet, else no default route.
	Gateway   string
	DeclRange hcl.Range
}

// Service is a `service "NAME" { ... }` block of a container or a job:
// published in DNS (NAME.<domain> on drover's dnsmasq) and checked.
type Service struct {
	Name  string
	Port  int
	Check string // CheckTCP (default), CheckHTTP or CheckNone
	Path  string // HTTP check path, default "/"

	DeclRange hcl.Range
}

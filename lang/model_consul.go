package lang

import "github.com/hashicorp/hcl/v2"

// ConsulDNSPort is where every Consul agent drover runs answers DNS on
// 127.0.0.1 (Consul's default); drover's dnsmasq forwards the .consul
// domain there.
const ConsulDNSPort = 8600

// ConsulDomain is the DNS domain Consul answers: SERVICE.service.consul.
const ConsulDomain = "consul"

// Consul is the `consul { ... }` block (the seed's service discovery):
// how Consul is installed on the servers. With endpoints declared, every
// server runs a Consul client agent that joins the endpoints' Consul
// servers, and the services of containers and jobs are registered through
// the agent of the server they run on.
type Consul struct {
	// Binary is the consul program on the servers: default
	// /usr/local/bin/consul, or /usr/bin/consul with Package.
	Binary string
	// Source is a file next to the configuration that drover copies to
	// Binary on every server ("" = the binary is there already, or comes
	// from Package); SourceContent is its content.
	Source        string
	SourceContent string
	// Package is an apt package that provides consul, from a package
	// source the operator configured ("" = none).
	Package    string
	Datacenter string // default "dc1"
	// Servers run a client agent; default every server but "local".
	Servers []string

	DeclRange hcl.Range
}

// Endpoint is one `endpoint "NAME" { ... }` block (the seed's addep): a
// Consul server agent on Server at a static Address in a container network
// (the server's container subnet by default). One endpoint, or three and
// more for quorum, make one Consul cluster.
type Endpoint struct {
	Name    string
	Server  string
	Network string // SubnetNetwork (default) or a vxlan / l2vpn network
	Address string

	DeclRange hcl.Range
}

// ConsulService is a `consul_service "NAME" { ... }` block (the seed's
// pubservice): an ad hoc service registered with the agent of Server.
type ConsulService struct {
	Name    string
	Server  string // default: the first endpoint's server
	Address string
	Port    int
	Check   string // CheckTCP (default), CheckHTTP or CheckNone
	Path    string // HTTP check path, default "/"

	DeclRange hcl.Range
}

// ConsulCheck is a `consul_check "NAME" { ... }` block (the seed's
// pubcheck): an ad hoc check registered with the agent of Server, for
// Service when set.
type ConsulCheck struct {
	Name    string
	Server  string // default: the first endpoint's server
	Service string // "" = a node check
	Kind    string // CheckTCP or CheckHTTP
	// Target is "HOST:PORT" for tcp, a URL for http.
	Target   string
	Interval string // default "10s"

	DeclRange hcl.Range
}

// ConsulOn reports whether Consul discovery is declared: a consul block
// and at least one endpoint.
func (c *Cluster) ConsulOn() bool { return c.Consul != nil && len(c.Endpoints) > 0 }

// DNSForwards are the dnsmasq `server=` values every drover dnsmasq
// carries: the .consul domain to the local Consul agent when Consul is
// declared, else none.
func (c *Cluster) DNSForwards() []string {
	if !c.ConsulOn() {
		return nil
	}
	return []string{"/" + ConsulDomain + "/127.0.0.1#8600"}
}

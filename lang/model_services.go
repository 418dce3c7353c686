package lang

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Load balancer kinds: `loadbalancer "KIND" { ... }`.
const (
	LBHAProxy = "haproxy"
	LBNginx   = "nginx"
)

// LoadBalancer is one `loadbalancer "haproxy"|"nginx" { ... }` block (the
// seed's addlb/addbackends/setlb/pub): a daemon on Server that spreads
// connections to Port over Backends.
type LoadBalancer struct {
	// Name is the given name, else generated and stable: KIND-SERVER-PORT.
	Name   string
	Kind   string // LBHAProxy or LBNginx
	Server string
	// Address is where the balancer listens; "" = the server's container
	// bridge address when it has a subnet, else the server's address.
	Address string
	Port    int // default 80
	// Mode: haproxy roundrobin (default), leastconn, source; nginx
	// round_robin (default), least_conn, ip_hash.
	Mode     string
	Backends []Backend
	// HealthCheck is the HTTP path backends are checked with; "" = a TCP
	// connect (haproxy) or passive checks only (nginx).
	HealthCheck   string
	CheckInterval time.Duration // default 2s
	URL           string        // host name served (nginx server_name, haproxy check Host); "" = any
	TLS           *TLS          // nil = plain HTTP only
	Workers       int           // haproxy threads / nginx worker processes; 0 = auto
	Resolvers     []string      // DNS servers for backends given by name
	Publish       []Publish     // ports of the server's address forwarded to the balancer

	DeclRange hcl.Range
}

// Backend is one upstream, from "[NAME:]ADDRESS:PORT"; Address may be a
// host name (resolved through Resolvers). Name is generated from the
// address when not given.
type Backend struct {
	Name    string
	Address string
	Port    int
}

// Publish forwards ServerPort of the server's address to Port of the
// balancer's (the seed's pub), from "PORT" or "SERVERPORT:PORT".
type Publish struct {
	ServerPort int
	Port       int
}

// TLS is a `tls { ... }` block: serve HTTPS on Port with the certificate
// and key files already on the server, or with a self-signed pair generated
// on the server when Certificate is "".
type TLS struct {
	Port        int    // default 443
	Certificate string // path on the server, "" = self-signed
	Key         string // path on the server
	// Names are the names a self-signed certificate is for; default the
	// balancer's url or app's host, else the server's address.
	Names []string
}

// WebServer is one `webserver { ... }` block (addws/pubapp/delapp/
// addhosts): nginx on Server publishing Apps by host name.
type WebServer struct {
	Name      string // given, else "web-SERVER-PORT"
	Server    string
	Address   string // "" = as for load balancers
	Port      int    // default 80
	TLSPort   int    // default 443, for apps with tls
	Workers   int
	Resolvers []string
	Publish   []Publish
	// HostsOn are servers whose /etc/hosts map every app's host name to
	// this web server (the server's address when published, else Address).
	HostsOn []string
	Apps    []App

	DeclRange hcl.Range
}

// App is one `app "HOST" { upstream = "ADDRESS:PORT" }` of a web server.
type App struct {
	Host     string
	Upstream string // "ADDRESS:PORT" or "NAME:PORT"
	TLS      *TLS   // Port unused: the web server's TLSPort

	DeclRange hcl.Range
}

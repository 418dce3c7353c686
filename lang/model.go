package lang

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Cluster is a whole drover configuration: every *.hcl file of one folder,
// evaluated and validated. Slices keep declaration order (file name order,
// then position in the file), so that everything built from it is stable.
type Cluster struct {
	Dir      string
	SSH      SSH
	Servers  []*Server
	Networks []*Network
	// Decls are the blocks of registered kinds (Options.Kinds), each
	// its kind package's own model: kind by kind in registration order,
	// each kind's in declaration order; DeclsOf picks one kind's.
	Decls     []Decl
	declTypes []string // the block type of each of Decls
	// Items are the host declarations (file, template, package, ...),
	// instances expanded (model_generic.go).
	Items []*Item
	// Secrets are the strings of sensitive variables and of every value
	// computed from one (those of at least MinSecretLen bytes), sorted:
	// modules mark a resource attribute that holds one as sensitive, so a
	// secret rendered into a daemon's config is not shown either.
	Secrets []string
	// Files are the parsed sources, by file name, for printing diagnostics
	// with snippets (hcl.NewDiagnosticTextWriter).
	Files map[string]*hcl.File
	// serverAt is each server's position in Servers, so that Server is
	// not a scan (it is asked once per server and declaration: a scan
	// made 10,000 servers quadratic). A copy of the cluster whose
	// Servers are replaced in place keeps it right; Server checks the
	// name at the position and scans otherwise.
	serverAt map[string]int
}

// indexServers records each server's position for Server.
func (c *Cluster) indexServers() {
	c.serverAt = make(map[string]int, len(c.Servers))
	for i, s := range c.Servers {
		if _, dup := c.serverAt[s.Name]; !dup {
			c.serverAt[s.Name] = i
		}
	}
}

// Server returns the server named name, or nil.
func (c *Cluster) Server(name string) *Server {
	if i, ok := c.serverAt[name]; ok && i < len(c.Servers) && c.Servers[i].Name == name {
		return c.Servers[i]
	}
	for _, s := range c.Servers {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// SSH is how drover reaches servers: the top-level `ssh` block, with a
// server's own `ssh` block overriding user and port.
type SSH struct {
	User         string        // default "root"
	Port         int           // default 22
	IdentityFile string        // "" = none; "~" is expanded by the runner
	Agent        bool          // use $SSH_AUTH_SOCK, default true
	KnownHosts   string        // default "~/.ssh/known_hosts"
	TrustOnFirst bool          // `trust_on_first_use`: accept and record unknown host keys
	Jump         string        // "user@host:port" of a bastion, "" = none
	Become       bool          // run the helper with sudo when User is not root
	Timeout      time.Duration // connect timeout, default 10s
	// Host is the SSH endpoint of a server (its ssh block's host): an
	// address, host name or ssh_config alias; "" = the server's address.
	Host string
	// Jumps are the bastions, first hop first: a server's jump list, else
	// the cluster's jump; nil = none (ssh_config's ProxyJump may apply).
	Jumps []string
	// Explicit names the settings written in the configuration (the
	// cluster's ssh block or the server's): ssh_config does not override
	// them.
	Explicit  map[string]bool
	DeclRange hcl.Range
}

// LocalServer is the reserved server name for the machine drover runs on.
const LocalServer = "local"

// Server is one `server "NAME" { ... }` block.
type Server struct {
	Name string
	// Address is the IP address peers, overlays and daemon configs use:
	// private_address when set, else address when it is an IP address;
	// "" when it is learned from the server's facts (LearnAddress), which
	// modules.Expand fills in once they are known.
	Address string
	// Connect is the address as written: what drover connects to (unless
	// the ssh block's host says otherwise), an IP address, a host name or
	// an ssh_config Host alias.
	Connect string
	// LearnAddress is true when address is a host name and no
	// private_address is set: the IP comes from the server's facts.
	LearnAddress bool
	// AddressRange is where address is written, for errors about it.
	AddressRange hcl.Range
	Interface    string // link interface; "" = the one holding Address
	// Subnet is the server's container subnet (seed: setsubnet), "" = none.
	Subnet string
	Bridge string // container bridge, default "cbr0"
	DHCP   bool   // dnsmasq on Bridge for the container subnet, default true
	Domain string // DNS domain of the container subnet, default "app"
	Labels map[string]string
	// Capacity is how many job instances the server holds, 0 = no limit.
	Capacity int
	// Local is true for the reserved server "local": the machine drover
	// runs on, reached without SSH. Its Address comes from facts.
	Local bool
	User  string // from the server's ssh block, else the cluster's
	Port  int
	// SSH is how drover reaches this server: the cluster's ssh block with
	// the server's own laid over it.
	SSH SSH

	DeclRange hcl.Range
}

// Network is one `network "KIND" "NAME" { ... }` block; Spec holds its
// kind's model (Options.Kinds).
type Network struct {
	Name string
	Kind string // "vxlan", "bgp", "wireguard", "l2vpn", "gre", "ipip", "bridge"
	// Spec is the model of a registered kind: its package's own type
	// (*bridge.Network), asked for what core code needs through the
	// NetworkSpec interface.
	Spec NetworkSpec

	DeclRange hcl.Range
}

// Member is one server of a network: from `servers = ["s1", "s2:eth1"]` or
// a `member "s1" { interface = "eth1" address = "100.64.10.5" }` block.
type Member struct {
	Server    string
	Interface string // "" = the server's link interface
	Address   string // address on the overlay bridge, "" = derived
	DeclRange hcl.Range
}

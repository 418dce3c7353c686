package consul

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// DNSPort is where every Consul agent drover runs answers DNS on
// 127.0.0.1 (Consul's default); drover's dnsmasq forwards the .consul
// domain there.
const DNSPort = 8600

// Domain is the DNS domain Consul answers: SERVICE.service.consul.
const Domain = "consul"

// Default install paths of the consul program.
const (
	binaryDefault     = "/usr/local/bin/consul"
	packageBinary     = "/usr/bin/consul"
	datacenterDefault = "dc1"
)

// Block types.
const (
	typeConsul   = "consul"
	typeEndpoint = "endpoint"
	typeService  = "consul_service"
	typeCheck    = "consul_check"
)

// Decl is the `consul { ... }` block (the seed's service discovery): how
// Consul is installed on the servers. With endpoints declared, every
// server runs a Consul client agent that joins the endpoints' Consul
// servers, and the services of containers and jobs are registered through
// the agent of the server they run on.
type Decl struct {
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
	Network string // lang.SubnetNetwork (default) or a vxlan / l2vpn network
	Address string

	DeclRange hcl.Range
}

// Service is a `consul_service "NAME" { ... }` block (the seed's
// pubservice): an ad hoc service registered with the agent of Server.
type Service struct {
	Name    string
	Server  string // default: the first endpoint's server (AdHocServices)
	Address string
	Port    int
	Check   string // container.CheckTCP (default), CheckHTTP or CheckNone
	Path    string // HTTP check path, default "/"

	DeclRange hcl.Range
}

// Check is a `consul_check "NAME" { ... }` block (the seed's pubcheck): an
// ad hoc check registered with the agent of Server, for Service when set.
type Check struct {
	Name    string
	Server  string // default: the first endpoint's server (AdHocChecks)
	Service string // "" = a node check
	Kind    string // container.CheckTCP or CheckHTTP
	// Target is "HOST:PORT" for tcp, a URL for http.
	Target   string
	Interval string // default "10s"

	DeclRange hcl.Range
}

// DeclName is the owner of what the consul block wants.
func (k *Decl) DeclName() string { return Owner }

// DeclName names the endpoint.
func (e *Endpoint) DeclName() string { return typeEndpoint + "." + e.Name }

// DeclName names the ad hoc service.
func (s *Service) DeclName() string { return typeService + "." + s.Name }

// DeclName names the ad hoc check.
func (k *Check) DeclName() string { return typeCheck + "." + k.Name }

// DNSForwards has every drover dnsmasq forward the .consul domain to the
// local agent while Consul is on.
func (k *Decl) DNSForwards(c *lang.Cluster) []string {
	if !On(c) {
		return nil
	}
	return []string{"/" + Domain + "/127.0.0.1#8600"}
}

// Of is the consul block, nil when none is declared.
func Of(c *lang.Cluster) *Decl {
	if ks := lang.DeclsOf[*Decl](c); len(ks) > 0 {
		return ks[0]
	}
	return nil
}

// Endpoints are the endpoints, in declaration order.
func Endpoints(c *lang.Cluster) []*Endpoint { return lang.DeclsOf[*Endpoint](c) }

// On reports whether Consul discovery is declared: a consul block and at
// least one endpoint.
func On(c *lang.Cluster) bool { return Of(c) != nil && len(Endpoints(c)) > 0 }

// AdHocServices are the ad hoc services, those without a server on the first
// endpoint's.
func AdHocServices(c *lang.Cluster) []*Service {
	var out []*Service
	for _, s := range lang.DeclsOf[*Service](c) {
		s2 := *s
		s2.Server = agentServer(c, s.Server)
		out = append(out, &s2)
	}
	return out
}

// AdHocChecks are the ad hoc checks, those without a server on the first
// endpoint's.
func AdHocChecks(c *lang.Cluster) []*Check {
	var out []*Check
	for _, k := range lang.DeclsOf[*Check](c) {
		k2 := *k
		k2.Server = agentServer(c, k.Server)
		out = append(out, &k2)
	}
	return out
}

func agentServer(c *lang.Cluster, server string) string {
	if eps := Endpoints(c); server == "" && len(eps) > 0 {
		return eps[0].Server
	}
	return server
}

// Kinds describe the Consul blocks to lang: consul, endpoint,
// consul_service and consul_check.
func Kinds() []lang.BlockKind {
	named := func(typ, noun string, attrs []lang.Attr, assemble func(*lang.BlockDecl) lang.Decl, validate func([]*lang.BlockDecl, []lang.Decl, *lang.Cluster)) lang.BlockKind {
		return lang.BlockKind{Type: typ, Label: "name", Named: true, NameProblem: nameProblem(typ), Article: "A",
			Noun: noun, Attrs: attrs, Assemble: assemble, Validate: validate}
	}
	// Endpoints validate late: their static addresses may collide with
	// containers' and job instances'.
	endpoint := named(typeEndpoint, "Consul endpoint", endpointAttrs(), assembleEndpoint, validateEndpoints)
	endpoint.Late = true
	return []lang.BlockKind{
		// The consul block is not counted: it says how, not what.
		{Type: typeConsul, Single: true, Attrs: consulAttrs(), Assemble: assembleConsul, Validate: validateConsul},
		endpoint,
		named(typeService, "Consul registration", serviceAttrs(), assembleService, validateServices),
		named(typeCheck, "Consul registration", checkAttrs(), assembleCheck, validateChecks),
	}
}

func consulAttrs() []lang.Attr {
	return []lang.Attr{
		{Name: "binary", Type: cty.String, Default: cty.StringVal(""), Example: `"/usr/local/bin/consul"`, Grammar: "config-path"},
		{Name: "source", Type: cty.String, Default: cty.StringVal(""), Example: `"files/consul"`, Grammar: "local-path"},
		{Name: "package", Type: cty.String, Default: cty.StringVal(""), Example: `"consul"`, Grammar: "package"},
		{Name: "datacenter", Type: cty.String, Default: cty.StringVal(datacenterDefault), Example: `"dc1"`, Grammar: "ident"},
		{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2"]`, Grammar: "server-ref"},
	}
}

func endpointAttrs() []lang.Attr {
	return []lang.Attr{
		{Name: "server", Type: cty.String, Required: true, Example: `"s1"`, Grammar: "server-ref"},
		{Name: "network", Type: cty.String, Default: cty.StringVal(lang.SubnetNetwork), Example: `"subnet"`, Grammar: "ident"},
		{Name: "address", Type: cty.String, Required: true, Example: `"100.65.1.10"`, Grammar: "ip"},
	}
}

func serviceAttrs() []lang.Attr {
	return []lang.Attr{
		{Name: "server", Type: cty.String, Default: cty.StringVal(""), Example: `"s1"`, Grammar: "server-ref"},
		{Name: "address", Type: cty.String, Required: true, Example: `"100.65.1.20"`, Grammar: "ip"},
		{Name: "port", Type: cty.Number, Required: true, Example: "9000"},
		{Name: "check", Type: cty.String, Default: cty.StringVal(container.CheckTCP), Example: `"tcp"`, Grammar: "keyword"},
		{Name: "path", Type: cty.String, Default: cty.StringVal("/"), Example: `"/"`, Grammar: "url-path"},
	}
}

func checkAttrs() []lang.Attr {
	return []lang.Attr{
		{Name: "server", Type: cty.String, Default: cty.StringVal(""), Example: `"s1"`, Grammar: "server-ref"},
		{Name: "service", Type: cty.String, Default: cty.StringVal(""), Example: `"minio"`, Grammar: "ident"},
		{Name: "tcp", Type: cty.String, Default: cty.StringVal(""), Example: `"100.65.1.20:9000"`, Grammar: "host-port"},
		{Name: "http", Type: cty.String, Default: cty.StringVal(""), Example: `"http://100.65.1.20:9000/"`, Grammar: "http-url"},
		{Name: "interval", Type: cty.String, Default: cty.StringVal("10s"), Example: `"10s"`, Grammar: "duration"},
	}
}

// nameProblem says what is wrong with the name of a block of type typ:
// names name Consul nodes, services and files.
func nameProblem(typ string) func(string) (string, string) {
	return func(name string) (string, string) {
		if lang.ValidName(name) {
			return "", ""
		}
		return "Invalid " + typ + " name", fmt.Sprintf(
			"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters), because they name Consul nodes, services and files. Write for example %s %q.",
			name, typ, lang.SuggestIdentifier(name))
	}
}

func assembleConsul(d *lang.BlockDecl) lang.Decl {
	k := &Decl{DeclRange: d.Range(), Binary: d.String("binary"), Source: d.String("source"),
		Package: d.String("package"), Datacenter: d.String("datacenter")}
	for _, e := range d.List("servers", "string") {
		k.Servers = append(k.Servers, e.Value)
	}
	if k.Binary == "" {
		k.Binary = binaryDefault
		if k.Package != "" {
			k.Binary = packageBinary
		}
	}
	if len(k.Servers) == 0 {
		for _, s := range d.ServerNames() {
			if s != lang.LocalServer {
				k.Servers = append(k.Servers, s)
			}
		}
	}
	return k
}

func assembleEndpoint(d *lang.BlockDecl) lang.Decl {
	return &Endpoint{Name: d.Name(), DeclRange: d.Range(),
		Server: d.String("server"), Network: d.String("network"), Address: d.String("address")}
}

func assembleService(d *lang.BlockDecl) lang.Decl {
	return &Service{Name: d.Name(), DeclRange: d.Range(), Server: d.String("server"), Address: d.String("address"),
		Port: d.Int("port"), Check: d.String("check"), Path: d.String("path")}
}

func assembleCheck(d *lang.BlockDecl) lang.Decl {
	k := &Check{Name: d.Name(), DeclRange: d.Range(), Server: d.String("server"), Service: d.String("service"),
		Interval: d.String("interval")}
	if k.Target = d.String("tcp"); k.Target != "" {
		k.Kind = container.CheckTCP
	} else if k.Target = d.String("http"); k.Target != "" {
		k.Kind = container.CheckHTTP
	}
	return k
}

func validateConsul(ds []*lang.BlockDecl, decls []lang.Decl, c *lang.Cluster) {
	d, k := ds[0], decls[0].(*Decl)
	if b, ok := d.StringOK("binary"); ok && b != "" && !strings.HasPrefix(b, "/") {
		d.Problem("binary", "Invalid consul binary", fmt.Sprintf(
			"binary is the absolute path of the consul program on the servers; write for example binary = %q.", path.Join("/usr/local/bin", b)))
	}
	pkg := d.String("package")
	if src, ok := d.StringOK("source"); ok && src != "" {
		if pkg != "" {
			d.Problem("source", "Conflicting consul install",
				"consul comes from a package or from a source file drover copies, not both: remove package, or remove source.")
			return
		}
		p, data, err := d.ReadSource("source")
		switch {
		case err != nil:
			d.Problem("source", "Cannot read source", fmt.Sprintf(
				"Reading %s failed: %s. source is relative to the folder of the file that declares it.", p, err))
		case !utf8.Valid(data):
			d.Problem("source", "Binary consul source", fmt.Sprintf(
				"%s is a binary program; drover copies text files only (a script). Put the consul binary on the servers yourself and set binary to its path, or install it with package = \"consul\" from a package source you configured.", p))
		default:
			k.SourceContent = string(data)
		}
	}
	d.CheckServerList("servers")
	if !d.HasBlock(typeEndpoint) {
		d.BlockProblem("Consul without endpoints",
			"A consul block needs at least one endpoint, the Consul server the agents join: add for example endpoint \"consul-1\" { server = \"s1\" address = \"100.65.1.10\" }.")
	}
}

func validateEndpoints(ds []*lang.BlockDecl, decls []lang.Decl, c *lang.Cluster) {
	for i, d := range ds {
		validateEndpoint(d, decls[i].(*Endpoint), c)
	}
	if len(ds) == 2 {
		second := decls[1].(*Endpoint)
		ds[1].BlockProblem("Two Consul endpoints", fmt.Sprintf(
			"Consul servers need a majority to elect a leader: two endpoints stop working when either one fails, which is worse than one. Declare one endpoint, or three and more (endpoint %q is the second).", second.Name))
	}
}

func validateEndpoint(d *lang.BlockDecl, e *Endpoint, c *lang.Cluster) {
	if !d.HasBlock(typeConsul) {
		d.BlockProblem("Endpoint without consul", fmt.Sprintf(
			"Endpoint %q runs Consul, so the cluster needs a consul block saying where consul comes from: add consul { binary = \"/usr/local/bin/consul\" } or consul { package = \"consul\" }.", e.Name))
	}
	s := c.Server(e.Server)
	if e.Server != "" && s == nil {
		d.ReportUnknownServer("server", e.Server)
		return
	}
	if e.Network != lang.SubnetNetwork && !d.CheckContainerNetwork("network", e.Network, c) {
		return
	}
	if !slices.Contains(c.NetworkServers(e.Network), e.Server) {
		what := fmt.Sprintf("server %q has no container subnet", e.Server)
		if e.Network != lang.SubnetNetwork {
			what = fmt.Sprintf("network %q does not reach server %q", e.Network, e.Server)
		}
		d.Problem("network", "Network not on the server", fmt.Sprintf(
			"Endpoint %q needs a static address in a container network of its server, but %s. Give the server a subnet, or pick a network it is a member of.", e.Name, what))
		return
	}
	ip, summary, _ := lang.ParseAddress(e.Address)
	if summary != "" || !ip.Is4() {
		d.Problem("address", "Invalid address", fmt.Sprintf(
			"address is the endpoint's static IPv4 address in the network, without prefix; write for example address = \"100.65.1.10\". Got %q.", e.Address))
		return
	}
	_, subnet, _ := c.ContainerBridge(e.Network, s)
	key := e.Network
	if e.Network == lang.SubnetNetwork {
		key = lang.SubnetNetwork + ":" + e.Server
	}
	d.ClaimStatic("address", ip, subnet, key, "endpoint "+e.Name)
	if p, err := netip.ParsePrefix(subnet); err == nil {
		if first := p.Masked().Addr().Next(); first == ip {
			d.Problem("address", "Reserved address", fmt.Sprintf(
				"%s is the bridge's own address on %s; pick another address for the endpoint.", ip, subnet))
		}
	}
}

func validateServices(ds []*lang.BlockDecl, _ []lang.Decl, _ *lang.Cluster) {
	for _, d := range ds {
		checkAgent(d, typeService)
		if addr, ok := d.StringOK("address"); ok {
			if ip, summary, _ := lang.ParseAddress(addr); summary != "" || !ip.Is4() {
				d.Problem("address", "Invalid address", fmt.Sprintf(
					"address is the IPv4 address the service answers on; write for example address = \"100.65.1.20\". Got %q.", addr))
			}
		}
		d.CheckPort("port", "9000")
		kinds := []string{container.CheckTCP, container.CheckHTTP, container.CheckNone}
		if chk, ok := d.StringOK("check"); ok && !slices.Contains(kinds, chk) {
			d.CheckOneOf("check", chk, kinds)
		}
		if p, ok := d.StringOK("path"); ok && !strings.HasPrefix(p, "/") {
			d.Problem("path", "Invalid check path", fmt.Sprintf(
				"path is the HTTP path the check requests and starts with '/'; write for example path = %q.", "/"+p))
		}
	}
}

func validateChecks(ds []*lang.BlockDecl, _ []lang.Decl, c *lang.Cluster) {
	services := serviceNames(c)
	for _, d := range ds {
		validateCheck(d, services)
	}
}

// serviceNames are the services declared on containers, jobs and
// consul_service blocks.
func serviceNames(c *lang.Cluster) map[string]bool {
	out := map[string]bool{}
	for _, s := range lang.DeclsOf[*Service](c) {
		out[s.Name] = true
	}
	for _, k := range container.Containers(c) {
		for _, s := range k.Services {
			out[s.Name] = true
		}
	}
	for _, j := range job.Jobs(c) {
		for _, s := range j.Services {
			out[s.Name] = true
		}
	}
	return out
}

func validateCheck(d *lang.BlockDecl, services map[string]bool) {
	checkAgent(d, typeCheck)
	tcp, url := d.String("tcp"), d.String("http")
	switch {
	case tcp == "" && url == "":
		d.BlockProblem("Check without target", fmt.Sprintf(
			"Check %q needs what to check: tcp = \"100.65.1.20:9000\" or http = \"http://100.65.1.20:9000/\".", d.Name()))
	case tcp != "" && url != "":
		d.Problem("http", "Two check targets", "A check is a tcp or an http check, not both: remove tcp or http.")
	case tcp != "":
		if _, err := netip.ParseAddrPort(tcp); err != nil {
			d.Problem("tcp", "Invalid tcp target", fmt.Sprintf(
				"tcp is ADDRESS:PORT; write for example tcp = \"100.65.1.20:9000\". Got %q.", tcp))
		}
	case !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://"):
		d.Problem("http", "Invalid http target", fmt.Sprintf(
			"http is the URL the check requests; write for example http = %q.", "http://"+url))
	}
	if svc, ok := d.StringOK("service"); ok && svc != "" && !services[svc] {
		d.Problem("service", "Unknown service", fmt.Sprintf(
			"No service %q is declared (on a container, a job or a consul_service); leave service out for a node check, or name a declared service.", svc))
	}
	d.Duration("interval")
}

// checkAgent checks the server of an ad hoc service or check, and that
// Consul is declared.
func checkAgent(d *lang.BlockDecl, typ string) {
	if s, ok := d.StringOK("server"); ok && s != "" && !d.IsServer(s) {
		d.ReportUnknownServer("server", s)
	}
	if !d.HasBlock(typeConsul) {
		d.BlockProblem("Consul is not declared", fmt.Sprintf(
			"%s %q is registered with Consul, which needs a consul block and an endpoint: add consul { binary = \"/usr/local/bin/consul\" } and endpoint \"consul-1\" { server = \"s1\" address = \"100.65.1.10\" }.", typ, d.Name()))
	}
}

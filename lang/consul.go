package lang

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The Consul blocks (model_consul.go): one `consul` block, `endpoint`
// blocks (Consul servers), and ad hoc `consul_service` and `consul_check`
// blocks. They are collected with the container blocks (container.go):
// discovery is about the services of containers and jobs.
const (
	blockConsul        = "consul"
	blockEndpoint      = "endpoint"
	blockConsulService = "consul_service"
	blockConsulCheck   = "consul_check"
)

// Default install paths of the consul program.
const (
	consulBinaryDefault  = "/usr/local/bin/consul"
	consulPackageBinary  = "/usr/bin/consul"
	consulDatacenterDflt = "dc1"
)

func consulBlockSchemas() []hcl.BlockHeaderSchema {
	return []hcl.BlockHeaderSchema{
		{Type: blockConsul},
		{Type: blockEndpoint, LabelNames: []string{"name"}},
		{Type: blockConsulService, LabelNames: []string{"name"}},
		{Type: blockConsulCheck, LabelNames: []string{"name"}},
	}
}

func isConsulBlock(typ string) bool {
	return typ == blockConsul || typ == blockEndpoint || typ == blockConsulService || typ == blockConsulCheck
}

func consulSpecs(typ string) []attrSpec { return inBlock(typ, consulTypeSpecs(typ)) }

func consulTypeSpecs(typ string) []attrSpec {
	switch typ {
	case blockConsul:
		return []attrSpec{
			{name: "binary", typ: cty.String, deflt: str(""), example: `"/usr/local/bin/consul"`},
			{name: "source", typ: cty.String, deflt: str(""), example: `"files/consul"`},
			{name: "package", typ: cty.String, deflt: str(""), example: `"consul"`},
			{name: "datacenter", typ: cty.String, deflt: str(consulDatacenterDflt), example: `"dc1"`},
			{name: "servers", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["s1", "s2"]`},
		}
	case blockEndpoint:
		return []attrSpec{
			{name: "server", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"s1"`, required: true},
			{name: "network", typ: cty.String, deflt: str(SubnetNetwork), example: `"subnet"`},
			{name: "address", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"100.65.1.10"`, required: true},
		}
	case blockConsulService:
		return []attrSpec{
			{name: "server", typ: cty.String, deflt: str(""), example: `"s1"`},
			{name: "address", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"100.65.1.20"`, required: true},
			{name: "port", typ: cty.Number, deflt: cty.UnknownVal(cty.Number), example: "9000", required: true},
			{name: "check", typ: cty.String, deflt: str(CheckTCP), example: `"tcp"`},
			{name: "path", typ: cty.String, deflt: str("/"), example: `"/"`},
		}
	}
	return []attrSpec{
		{name: "server", typ: cty.String, deflt: str(""), example: `"s1"`},
		{name: "service", typ: cty.String, deflt: str(""), example: `"minio"`},
		{name: "tcp", typ: cty.String, deflt: str(""), example: `"100.65.1.20:9000"`},
		{name: "http", typ: cty.String, deflt: str(""), example: `"http://100.65.1.20:9000/"`},
		{name: "interval", typ: cty.String, deflt: str("10s"), example: `"10s"`},
	}
}

// consulDecl is one Consul block.
type consulDecl struct {
	typ   string
	name  string
	block *hcl.Block
	attrs map[string]*node
}

// collectConsul registers one consul, endpoint, consul_service or
// consul_check block.
func (l *loader) collectConsul(b *hcl.Block) {
	name := ""
	if len(b.Labels) > 0 {
		name = b.Labels[0]
	}
	if b.Type == blockConsul && l.ctr.consul != nil {
		l.errorf(b.DefRange, nil, "Duplicate consul block",
			"There is already a consul block at %s; a cluster has one. Merge the two.", shortPos(l.ctr.consul.block.DefRange))
		return
	}
	if b.Type != blockConsul && !l.checkConsulName(b, name) {
		return
	}
	specs := consulSpecs(b.Type)
	content := l.content(b.Body, bodySchema(specs), fmt.Sprintf("A %s block", b.Type))
	path := []string{b.Type}
	if name != "" {
		path = append(path, name)
	}
	d := &consulDecl{typ: b.Type, name: name, block: b, attrs: l.attrNodes(path, specs, content, b.DefRange)}
	if b.Type == blockConsul {
		l.ctr.consul = d
		return
	}
	l.ctr.consulDecls = append(l.ctr.consulDecls, d)
}

func (l *loader) checkConsulName(b *hcl.Block, name string) bool {
	if !validName(blockServer, name) {
		l.errorf(b.LabelRanges[0], nil, "Invalid "+b.Type+" name",
			"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters), because they name Consul nodes, services and files. Write for example %s %q.",
			name, b.Type, suggestIdentifier(name))
		return false
	}
	for _, d := range l.ctr.consulDecls {
		if d.typ == b.Type && d.name == name {
			l.errorf(b.LabelRanges[0], nil, fmt.Sprintf("Duplicate %s %q", b.Type, name),
				"A %s named %q was already declared at %s. Rename this one or remove it.", b.Type, name, shortPos(d.block.DefRange))
			return false
		}
	}
	return true
}

// assembleConsul adds the Consul blocks to the model.
func (l *loader) assembleConsul(c *Cluster) {
	if d := l.ctr.consul; d != nil {
		k := &Consul{DeclRange: d.block.DefRange}
		k.Binary, _ = l.stringOf(d.attrs["binary"])
		k.Source, _ = l.stringOf(d.attrs["source"])
		k.Package, _ = l.stringOf(d.attrs["package"])
		k.Datacenter, _ = l.stringOf(d.attrs["datacenter"])
		k.Servers = listValues(l.plainList(d.attrs["servers"]))
		if k.Binary == "" {
			k.Binary = consulBinaryDefault
			if k.Package != "" {
				k.Binary = consulPackageBinary
			}
		}
		if len(k.Servers) == 0 {
			for _, s := range l.servers {
				if s.name != LocalServer {
					k.Servers = append(k.Servers, s.name)
				}
			}
		}
		c.Consul = k
	}
	for _, d := range l.ctr.consulDecls {
		a := d.attrs
		switch d.typ {
		case blockEndpoint:
			e := &Endpoint{Name: d.name, DeclRange: d.block.DefRange}
			e.Server, _ = l.stringOf(a["server"])
			e.Network, _ = l.stringOf(a["network"])
			e.Address, _ = l.stringOf(a["address"])
			c.Endpoints = append(c.Endpoints, e)
		case blockConsulService:
			s := &ConsulService{Name: d.name, DeclRange: d.block.DefRange}
			s.Server, _ = l.stringOf(a["server"])
			s.Address, _ = l.stringOf(a["address"])
			s.Port, _ = l.intOf(a["port"])
			s.Check, _ = l.stringOf(a["check"])
			s.Path, _ = l.stringOf(a["path"])
			c.ConsulServices = append(c.ConsulServices, s)
		case blockConsulCheck:
			k := &ConsulCheck{Name: d.name, DeclRange: d.block.DefRange}
			k.Server, _ = l.stringOf(a["server"])
			k.Service, _ = l.stringOf(a["service"])
			k.Interval, _ = l.stringOf(a["interval"])
			if k.Target, _ = l.stringOf(a["tcp"]); k.Target != "" {
				k.Kind = CheckTCP
			} else if k.Target, _ = l.stringOf(a["http"]); k.Target != "" {
				k.Kind = CheckHTTP
			}
			c.ConsulChecks = append(c.ConsulChecks, k)
		}
	}
	l.defaultConsulServers(c)
}

// defaultConsulServers registers ad hoc services and checks without a
// server with the first endpoint's agent.
func (l *loader) defaultConsulServers(c *Cluster) {
	if len(c.Endpoints) == 0 {
		return
	}
	for _, s := range c.ConsulServices {
		if s.Server == "" {
			s.Server = c.Endpoints[0].Server
		}
	}
	for _, k := range c.ConsulChecks {
		if k.Server == "" {
			k.Server = c.Endpoints[0].Server
		}
	}
}

// validateConsul checks the Consul blocks against the rest of the cluster.
func (l *loader) validateConsul(c *Cluster, claimed staticAddrs) {
	if d := l.ctr.consul; d != nil {
		l.validateConsulBlock(d, c)
	}
	endpoints, services := 0, map[string]bool{}
	for _, s := range c.ConsulServices {
		services[s.Name] = true
	}
	for _, k := range c.Containers {
		for _, s := range k.Services {
			services[s.Name] = true
		}
	}
	for _, j := range c.Jobs {
		for _, s := range j.Services {
			services[s.Name] = true
		}
	}
	for _, d := range l.ctr.consulDecls {
		switch d.typ {
		case blockEndpoint:
			endpoints++
			l.validateEndpoint(d, c, claimed)
		case blockConsulService:
			l.validateConsulService(d)
		case blockConsulCheck:
			l.validateConsulCheck(d, services)
		}
	}
	l.checkConsulQuorum(c, endpoints)
}

func (l *loader) validateConsulBlock(d *consulDecl, c *Cluster) {
	a := d.attrs
	if b, ok := l.stringOf(a["binary"]); ok && b != "" && !strings.HasPrefix(b, "/") {
		l.report(a["binary"], problem{"Invalid consul binary", fmt.Sprintf(
			"binary is the absolute path of the consul program on the servers; write for example binary = %q.", path.Join("/usr/local/bin", b))})
	}
	pkg, _ := l.stringOf(a["package"])
	if src, ok := l.stringOf(a["source"]); ok && src != "" {
		if pkg != "" {
			l.report(a["source"], problem{"Conflicting consul install",
				"consul comes from a package or from a source file drover copies, not both: remove package, or remove source."})
			return
		}
		p, data, err := l.readSource(d.block.DefRange.Filename, src)
		switch {
		case err != nil:
			l.report(a["source"], problem{"Cannot read source", fmt.Sprintf(
				"Reading %s failed: %s. source is relative to the folder of the file that declares it.", p, err)})
		case !utf8.Valid(data):
			l.report(a["source"], problem{"Binary consul source", fmt.Sprintf(
				"%s is a binary program; drover copies text files only (a script). Put the consul binary on the servers yourself and set binary to its path, or install it with package = \"consul\" from a package source you configured.", p)})
		default:
			c.Consul.SourceContent = string(data)
		}
	}
	l.checkServerList(a["servers"], nil, "")
	if len(l.ctr.consulDecls) == 0 || !slices.ContainsFunc(l.ctr.consulDecls, func(e *consulDecl) bool { return e.typ == blockEndpoint }) {
		l.errorf(d.block.DefRange, nil, "Consul without endpoints",
			"A consul block needs at least one endpoint, the Consul server the agents join: add for example endpoint \"consul-1\" { server = \"s1\" address = \"100.65.1.10\" }.")
	}
}

func (l *loader) validateEndpoint(d *consulDecl, c *Cluster, claimed staticAddrs) {
	a := d.attrs
	server, _ := l.stringOf(a["server"])
	network, _ := l.stringOf(a["network"])
	addr, _ := l.stringOf(a["address"])
	if l.ctr.consul == nil {
		l.reportAt(d.block.DefRange, problem{"Endpoint without consul", fmt.Sprintf(
			"Endpoint %q runs Consul, so the cluster needs a consul block saying where consul comes from: add consul { binary = \"/usr/local/bin/consul\" } or consul { package = \"consul\" }.", d.name)})
	}
	s := c.Server(server)
	if server != "" && s == nil {
		l.report(a["server"], unknownServer(server, l.syms.srvOrder))
		return
	}
	if network != SubnetNetwork && !l.containerNetwork(a["network"].rng, network, c) {
		return
	}
	if !slices.Contains(c.NetworkServers(network), server) {
		what := fmt.Sprintf("server %q has no container subnet", server)
		if network != SubnetNetwork {
			what = fmt.Sprintf("network %q does not reach server %q", network, server)
		}
		l.report(a["network"], problem{"Network not on the server", fmt.Sprintf(
			"Endpoint %q needs a static address in a container network of its server, but %s. Give the server a subnet, or pick a network it is a member of.", d.name, what)})
		return
	}
	ip, p := parseAddress(addr)
	if !p.ok() || !ip.Is4() {
		l.report(a["address"], problem{"Invalid address", fmt.Sprintf(
			"address is the endpoint's static IPv4 address in the network, without prefix; write for example address = \"100.65.1.10\". Got %q.", addr)})
		return
	}
	_, subnet, _ := c.ContainerBridge(network, s)
	key := network
	if network == SubnetNetwork {
		key = SubnetNetwork + ":" + server
	}
	l.checkStatic(a["address"].rng, a["address"].ctxRange, ip, subnet, key, "endpoint "+d.name, claimed)
	if p, err := netip.ParsePrefix(subnet); err == nil {
		if first := p.Masked().Addr().Next(); first == ip {
			l.report(a["address"], problem{"Reserved address", fmt.Sprintf(
				"%s is the bridge's own address on %s; pick another address for the endpoint.", ip, subnet)})
		}
	}
}

func (l *loader) checkConsulQuorum(c *Cluster, endpoints int) {
	if endpoints != 2 {
		return
	}
	second := c.Endpoints[1]
	l.reportAt(second.DeclRange, problem{"Two Consul endpoints", fmt.Sprintf(
		"Consul servers need a majority to elect a leader: two endpoints stop working when either one fails, which is worse than one. Declare one endpoint, or three and more (endpoint %q is the second).", second.Name)})
}

func (l *loader) validateConsulService(d *consulDecl) {
	a := d.attrs
	l.checkConsulServer(d)
	if addr, ok := l.stringOf(a["address"]); ok {
		if ip, p := parseAddress(addr); !p.ok() || !ip.Is4() {
			l.report(a["address"], problem{"Invalid address", fmt.Sprintf(
				"address is the IPv4 address the service answers on; write for example address = \"100.65.1.20\". Got %q.", addr)})
		}
	}
	l.checkPort(a["port"], "9000")
	if chk, ok := l.stringOf(a["check"]); ok && !slices.Contains(checkKinds, chk) {
		l.report(a["check"], oneOf("check", chk, checkKinds))
	}
	if p, ok := l.stringOf(a["path"]); ok && !strings.HasPrefix(p, "/") {
		l.report(a["path"], problem{"Invalid check path", fmt.Sprintf(
			"path is the HTTP path the check requests and starts with '/'; write for example path = %q.", "/"+p)})
	}
}

func (l *loader) validateConsulCheck(d *consulDecl, services map[string]bool) {
	a := d.attrs
	l.checkConsulServer(d)
	tcp, _ := l.stringOf(a["tcp"])
	url, _ := l.stringOf(a["http"])
	switch {
	case tcp == "" && url == "":
		l.reportAt(d.block.DefRange, problem{"Check without target", fmt.Sprintf(
			"Check %q needs what to check: tcp = \"100.65.1.20:9000\" or http = \"http://100.65.1.20:9000/\".", d.name)})
	case tcp != "" && url != "":
		l.report(a["http"], problem{"Two check targets", "A check is a tcp or an http check, not both: remove tcp or http."})
	case tcp != "":
		if _, err := netip.ParseAddrPort(tcp); err != nil {
			l.report(a["tcp"], problem{"Invalid tcp target", fmt.Sprintf(
				"tcp is ADDRESS:PORT; write for example tcp = \"100.65.1.20:9000\". Got %q.", tcp)})
		}
	case !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://"):
		l.report(a["http"], problem{"Invalid http target", fmt.Sprintf(
			"http is the URL the check requests; write for example http = %q.", "http://"+url)})
	}
	if svc, ok := l.stringOf(a["service"]); ok && svc != "" && !services[svc] {
		l.report(a["service"], problem{"Unknown service", fmt.Sprintf(
			"No service %q is declared (on a container, a job or a consul_service); leave service out for a node check, or name a declared service.", svc)})
	}
	l.durationOf(a["interval"])
}

func (l *loader) checkConsulServer(d *consulDecl) {
	n := d.attrs["server"]
	if s, ok := l.stringOf(n); ok && s != "" && l.syms.servers[s] == nil {
		l.report(n, unknownServer(s, l.syms.srvOrder))
	}
	if l.ctr.consul == nil {
		l.reportAt(d.block.DefRange, problem{"Consul is not declared", fmt.Sprintf(
			"%s %q is registered with Consul, which needs a consul block and an endpoint: add consul { binary = \"/usr/local/bin/consul\" } and endpoint \"consul-1\" { server = \"s1\" address = \"100.65.1.10\" }.", d.typ, d.name)})
	}
}

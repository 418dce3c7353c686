package lb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Load balancer kinds: `loadbalancer "KIND" { ... }`.
const (
	KindHAProxy = "haproxy"
	KindNginx   = "nginx"
)

// Decl is one `loadbalancer "haproxy"|"nginx" { ... }` block (the seed's
// addlb/addbackends/setlb/pub): a daemon on Server that spreads
// connections to Port over Backends.
type Decl struct {
	// Name is the given name, else generated and stable: KIND-SERVER-PORT.
	Name   string
	Kind   string // KindHAProxy or KindNginx
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
	Publish       []Published   // ports of the server's address forwarded to the balancer

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

// Published forwards ServerPort of the server's address to Port of the
// balancer's or web server's (the seed's pub), from "PORT" or
// "SERVERPORT:PORT".
type Published struct {
	ServerPort int
	Port       int
}

// DeclName is the owner of lb's resources on the hosts.
func (lb *Decl) DeclName() string { return Owner(lb) }

// maxWorkers bounds workers of balancers and web servers.
const maxWorkers = 64

var modes = map[string][]string{
	KindHAProxy: {"roundrobin", "leastconn", "source"},
	KindNginx:   {"round_robin", "least_conn", "ip_hash"},
}

// labelAliases are other names people use for a kind drover has: the
// label has always shared the database engines' list.
var labelAliases = map[string]string{
	"mysql": "mariadb", "postgres": "postgresql", "pg": "postgresql", "pgsql": "postgresql",
}

// Kind describes the `loadbalancer` block to lang.
func Kind() lang.BlockKind {
	return lang.BlockKind{
		Type:         "loadbalancer",
		Label:        "kind",
		LabelValues:  []string{KindHAProxy, KindNginx},
		LabelAliases: labelAliases,
		LabelWhat:    "load balancer kind",
		Noun:         "load balancer",
		DrawRank:     1,
		Attrs: []lang.Attr{
			{Name: "name", Type: cty.String, Default: cty.StringVal(""), Example: `"ha1"`, Grammar: "ident"},
			{Name: "server", Type: cty.String, Required: true, Example: `"s1"`, Grammar: "server-ref"},
			{Name: "address", Type: cty.String, Default: cty.StringVal(""), Example: `"100.65.1.1"`, Grammar: "ip"},
			{Name: "port", Type: cty.Number, Default: cty.NumberIntVal(80), Example: "80"},
			{Name: "mode", Type: cty.String, Default: cty.StringVal(""), Example: `"leastconn"`, Grammar: "keyword"},
			{Name: "backends", Type: cty.List(cty.String), Required: true, Example: `["web1:100.64.10.2:8080"]`, Grammar: "backend"},
			{Name: "health_check", Type: cty.String, Default: cty.StringVal(""), Example: `"/"`, Grammar: "url-path"},
			{Name: "check_interval", Type: cty.String, Default: cty.StringVal("2s"), Example: `"2s"`, Grammar: "duration"},
			{Name: "url", Type: cty.String, Default: cty.StringVal(""), Example: `"mywordpress.org"`, Grammar: "host"},
			{Name: "workers", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "2"},
			{Name: "resolvers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["100.64.10.1"]`, Grammar: "ip"},
			{Name: "publish", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["80"]`, Grammar: "publish"},
		},
		Blocks:   []lang.NestedBlock{TLSBlock()},
		Assemble: assemble,
		Validate: validateAll,
		Show:     showKind(),
	}
}

func assemble(d *lang.BlockDecl) lang.Decl {
	lb := &Decl{Kind: d.Label(), DeclRange: d.Range()}
	lb.Name = d.String("name")
	lb.Server = d.String("server")
	lb.Address = d.String("address")
	lb.Port = d.Int("port")
	lb.Mode = d.String("mode")
	if lb.Mode == "" {
		lb.Mode = map[string]string{KindHAProxy: "roundrobin", KindNginx: "round_robin"}[lb.Kind]
	}
	for _, e := range d.List("backends", "string") {
		if b, ok := ParseBackend(e.Value); ok {
			lb.Backends = append(lb.Backends, b)
		}
	}
	lb.HealthCheck = d.String("health_check")
	lb.CheckInterval = d.Duration("check_interval")
	lb.URL = d.String("url")
	lb.Workers = d.Int("workers")
	lb.Resolvers = d.Strings("resolvers")
	lb.Publish = Publishes(d)
	lb.TLS = AssembleTLS(d.Block("tls"))
	if lb.Name == "" && lb.Server != "" {
		lb.Name = fmt.Sprintf("%s-%s-%d", lb.Kind, lb.Server, lb.Port)
	}
	return lb
}

func validateAll(ds []*lang.BlockDecl, decls []lang.Decl, _ *lang.Cluster) {
	for i, d := range ds {
		validate(d, decls[i].(*Decl))
	}
}

func validate(d *lang.BlockDecl, lb *Decl) {
	d.ClaimName("name", lb.Name, "load balancer")
	serverOK := d.CheckServer("server")
	d.CheckIPv4("address", true)
	d.CheckPort("port", "80")
	if mode, ok := d.StringOK("mode"); ok && mode != "" && !slices.Contains(modes[lb.Kind], mode) {
		detail := fmt.Sprintf("%s balances with one of %s.", lb.Kind, strings.Join(modes[lb.Kind], ", "))
		if s := lang.Suggest(mode, modes[lb.Kind]); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		d.Problem("mode", "Unsupported balancing mode", detail)
	}
	checkBackends(d, lb.Kind)
	if hc, ok := d.StringOK("health_check"); ok && hc != "" && !strings.HasPrefix(hc, "/") {
		d.Problem("health_check", "Invalid health check", fmt.Sprintf(
			"health_check is the HTTP path backends are checked with and starts with '/'; write for example health_check = %q, or leave it out for TCP checks.", "/"+hc))
	}
	CheckDaemon(d, lb.Server, serverOK)
	tls := d.Block("tls")
	if serverOK {
		ClaimPort(d, "port", lb.Server, lb.Address, lb.Port)
		if lb.TLS != nil {
			ClaimPort(tls, "port", lb.Server, lb.Address, lb.TLS.Port)
		}
	}
	ValidateTLS(tls, lb.TLS)
}

// CheckDaemon checks the settings balancers and web servers share:
// workers, resolvers and published ports (unique per server port across
// both kinds when serverOK).
func CheckDaemon(d *lang.BlockDecl, server string, serverOK bool) {
	d.CheckRange("workers", 0, maxWorkers, "Workers out of range", "2")
	d.CheckAddresses("resolvers", "DNS server address")
	for _, e := range d.List("publish", "port") {
		p, ok := parsePublished(e.Value)
		if !ok {
			d.ElementProblem("publish", e.Index, "Invalid published port", fmt.Sprintf(
				"%q is not a port to publish: write PORT or SERVERPORT:PORT (1..65535), for example \"80\" or \"8080:80\".", e.Value))
			continue
		}
		if !serverOK {
			continue
		}
		key := fmt.Sprintf("publish %s:%d", server, p.ServerPort)
		if first, dup := d.Claim(portSpace, key, d.ElementRange("publish", e.Index)); dup {
			d.ElementProblem("publish", e.Index, "Port published twice", fmt.Sprintf(
				"Port %d of server %q is already published at %s. Publish each server port once.", p.ServerPort, server, lang.ShortPos(first)))
		}
	}
}

// portSpace is the namespace of the ports balancers and web servers
// listen on and publish, per server.
const portSpace = "service ports"

// ClaimPort reports two balancers or web servers listening on the same
// port of the same address of one server; attr is the setting of d that
// gives the port.
func ClaimPort(d *lang.BlockDecl, attr, server, address string, port int) {
	if port == 0 {
		return
	}
	key := fmt.Sprintf("listen %s %s:%d", server, address, port)
	if first, dup := d.Claim(portSpace, key, d.AttrRange(attr)); dup {
		d.Problem(attr, "Port used twice", fmt.Sprintf(
			"Port %d on server %q is already listened on by the block at %s. Give one of them another port.", port, server, lang.ShortPos(first)))
	}
}

func checkBackends(d *lang.BlockDecl, kind string) {
	entries := d.List("backends", "backend")
	if len(entries) == 0 && d.IsKnown("backends") && !d.IsNull("backends") {
		d.Problem("backends", "No backends", `A load balancer needs at least one backend, for example backends = ["web1:100.64.10.2:8080"].`)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		b, ok := ParseBackend(e.Value)
		if !ok {
			d.ElementProblem("backends", e.Index, "Invalid backend", fmt.Sprintf(
				"%q is not a backend: write ADDRESS:PORT or NAME:ADDRESS:PORT (the port 1..65535), for example \"web1:100.64.10.2:8080\".", e.Value))
			continue
		}
		if strings.Count(e.Value, ":") == 2 && !lang.IsName(b.Name) {
			d.ElementProblem("backends", e.Index, "Invalid backend name", fmt.Sprintf(
				"Backend name %q must start with a letter and hold only letters, digits, '_' and '-'; write for example %q.", b.Name, lang.SuggestName(b.Name)+":"+b.Address+fmt.Sprintf(":%d", b.Port)))
			continue
		}
		if seen[b.Name] {
			d.ElementProblem("backends", e.Index, "Duplicate backend", fmt.Sprintf(
				"Backend %q is listed twice in this %s load balancer. List each backend once, with its own name.", b.Name, kind))
		}
		seen[b.Name] = true
	}
}

// ParseBackend parses "[NAME:]ADDRESS:PORT".
func ParseBackend(s string) (Backend, bool) {
	parts := strings.Split(s, ":")
	var b Backend
	switch len(parts) {
	case 2:
		b.Address = parts[0]
	case 3:
		b.Name, b.Address = parts[0], parts[1]
	default:
		return b, false
	}
	port, err := strconv.Atoi(parts[len(parts)-1])
	if err != nil || port < lang.MinPort || port > lang.MaxPort || b.Address == "" {
		return b, false
	}
	b.Port = port
	if b.Name == "" {
		b.Name = strings.NewReplacer(".", "_", "-", "_").Replace(b.Address) + "_" + strconv.Itoa(port)
	}
	return b, true
}

// parsePublished parses "PORT" or "SERVERPORT:PORT".
func parsePublished(s string) (Published, bool) {
	outer, inner, pair := strings.Cut(s, ":")
	p, err1 := strconv.Atoi(outer)
	q, err2 := p, error(nil)
	if pair {
		q, err2 = strconv.Atoi(inner)
	}
	if err1 != nil || err2 != nil || p < lang.MinPort || p > lang.MaxPort || q < lang.MinPort || q > lang.MaxPort {
		return Published{}, false
	}
	return Published{ServerPort: p, Port: q}, true
}

// Publishes are d's valid published ports (the publish setting).
func Publishes(d *lang.BlockDecl) []Published {
	var out []Published
	for _, e := range d.List("publish", "string") {
		if p, ok := parsePublished(e.Value); ok {
			out = append(out, p)
		}
	}
	return out
}

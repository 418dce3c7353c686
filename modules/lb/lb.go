// Package lb expands `loadbalancer "haproxy"|"nginx"` declarations (the
// seed's addlb, addbackends, setlb and pub) into host resources: the
// daemon's package, a TLS certificate when asked for (generated on the
// server when self-signed), its config rendered from templates/ and checked
// by the daemon before it replaces the live one, the service (reloaded
// without dropping connections when the config changes: haproxy in
// master-worker mode with SIGUSR2, nginx with SIGHUP), and an nftables DNAT
// table for the ports published on the server's address. Verify GETs the
// balancer.
//
// It also holds what the web server module shares: where a service
// listens, published ports, TLS.
package lb

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/templates"
)

// Owner is the declaration name resources of lb belong to.
func Owner(lb *Decl) string { return "loadbalancer." + lb.Name }

// ConfigDir holds the configs of balancers and web servers, and their
// certificates.
const ConfigDir = "/etc/drover"

// RunDir holds their pidfiles and sockets.
const RunDir = "/run/drover"

// ListenAddress is where a service of srv listens when address is not
// set: the container bridge's address when the server has a subnet (so
// that only published ports reach it from outside), else its address.
func ListenAddress(srv *lang.Server, address string) string {
	if address != "" {
		return address
	}
	if p, err := netip.ParsePrefix(srv.Subnet); err == nil {
		if gw, err := blocks.Host(p, 1); err == nil {
			return gw.String()
		}
	}
	return srv.Address
}

// NonLocal adds net.ipv4.ip_nonlocal_bind when a service listens on an
// address the server may not hold (a VIP held by another server now).
func NonLocal(set *blocks.Set, srv *lang.Server, address string) string {
	if address == "" || address == srv.Address || address == ListenAddress(srv, "") || address == "0.0.0.0" {
		return ""
	}
	return set.Add("sysctl", "net.ipv4.ip_nonlocal_bind", map[string]string{"key": "net.ipv4.ip_nonlocal_bind", "value": "1"})
}

// Publish adds the nftables table that forwards ports of the server's
// address to the service's (the seed's pub), for traffic from outside
// and from the server itself.
func Publish(set *blocks.Set, name string, srv *lang.Server, address string, rules []Published) error {
	var keep []Published
	for _, r := range rules {
		if address == srv.Address && r.ServerPort == r.Port {
			continue // already there
		}
		keep = append(keep, r)
	}
	if len(keep) == 0 {
		return nil
	}
	table := blocks.TableName("pub", name)
	content, err := templates.Render("publish.nft.tmpl", map[string]any{
		"Table": table, "ServerAddress": srv.Address, "Address": address, "Rules": keep,
	})
	if err != nil {
		return err
	}
	set.Add("nft", table, map[string]string{"family": "ip", "table": table, "content": content})
	return nil
}

// PublishedURL is how clients reach port of a service: through the
// server's published port when there is one, else directly.
func PublishedURL(scheme string, srv *lang.Server, address string, port int, rules []Published) string {
	for _, r := range rules {
		if r.Port == port {
			return fmt.Sprintf("%s://%s:%d/", scheme, srv.Address, r.ServerPort)
		}
	}
	return fmt.Sprintf("%s://%s:%d/", scheme, address, port)
}

// Cert is where a service finds its TLS certificate and key.
type Cert struct {
	ID     string // the tls resource, for ordering
	Cert   string
	Key    string
	Bundle string // cert+key in one file, "" unless asked for
}

// AddTLS adds the tls resource of certificate name: the given files, or a
// self-signed pair generated on the server for names.
func AddTLS(set *blocks.Set, name string, t *TLS, names []string, bundle bool) Cert {
	c := Cert{Cert: t.Certificate, Key: t.Key}
	attrs := map[string]string{"self_signed": "false"}
	if t.Certificate == "" {
		c.Cert, c.Key = ConfigDir+"/"+name+".crt", ConfigDir+"/"+name+".key"
		attrs["self_signed"] = "true"
		if len(t.Names) > 0 {
			names = t.Names
		}
		attrs["names"] = strings.Join(names, ",")
	}
	attrs["cert"], attrs["key"] = c.Cert, c.Key
	if bundle {
		c.Bundle = ConfigDir + "/" + name + ".pem"
		attrs["bundle"] = c.Bundle
	}
	c.ID = set.Add("tls", name, attrs)
	return c
}

// Expand returns, per server name, what lb wants there: everything on
// its server.
func (lb *Decl) Expand(c *lang.Cluster, _ map[string]*core.Facts) (map[string]*blocks.Set, error) {
	set, err := Expand(lb, c)
	if err != nil {
		return nil, err
	}
	return map[string]*blocks.Set{lb.Server: set}, nil
}

// Expand returns what lb wants on its server.
func Expand(lb *Decl, c *lang.Cluster) (*blocks.Set, error) {
	srv := c.Server(lb.Server)
	if srv == nil {
		return nil, fmt.Errorf("loadbalancer %s: unknown server %q", lb.Name, lb.Server)
	}
	set := &blocks.Set{Owner: Owner(lb)}
	address := ListenAddress(srv, lb.Address)
	pkg := set.Add("package", lb.Kind, map[string]string{"name": map[string]string{KindHAProxy: "haproxy", KindNginx: "nginx-light"}[lb.Kind]})
	deps := []string{pkg}
	if id := NonLocal(set, srv, lb.Address); id != "" {
		deps = append(deps, id)
	}
	var cert *Cert
	if lb.TLS != nil {
		names := []string{firstNonEmpty(lb.URL, srv.Address)}
		crt := AddTLS(set, lb.Name, lb.TLS, names, lb.Kind == KindHAProxy)
		cert = &crt
		deps = append(deps, crt.ID)
	}
	var err error
	if lb.Kind == KindHAProxy {
		err = haproxy(set, lb, address, cert, deps)
	} else {
		err = nginx(set, lb, address, cert, deps)
	}
	if err != nil {
		return nil, fmt.Errorf("loadbalancer %s: %w", lb.Name, err)
	}
	if err := Publish(set, lb.Name, srv, address, lb.Publish); err != nil {
		return nil, err
	}
	set.Check("service", lb.Name+" ("+lb.Kind+") is running", map[string]string{"name": lb.Name})
	set.Check("http", fmt.Sprintf("%s answers HTTP on %s:%d from all %d backends", lb.Name, address, lb.Port, len(lb.Backends)), backendsCheck(lb, address))
	return set, nil
}

func haproxy(set *blocks.Set, lb *Decl, address string, cert *Cert, deps []string) error {
	path := ConfigDir + "/" + lb.Name + ".haproxy.cfg"
	data := map[string]any{
		"Owner": Owner(lb), "Name": lb.Name, "Address": address, "Port": lb.Port, "Mode": lb.Mode,
		"Backends": lb.Backends, "HealthCheck": lb.HealthCheck, "URL": lb.URL, "Workers": lb.Workers,
		"Resolvers": lb.Resolvers, "Interval": millis(lb.CheckInterval.Milliseconds()),
		"TLS": nil,
	}
	if cert != nil {
		data["TLS"] = map[string]any{"Port": lb.TLS.Port, "Bundle": cert.Bundle}
	}
	conf, err := templates.Render("haproxy.cfg.tmpl", data)
	if err != nil {
		return err
	}
	file := set.Add("file", path, map[string]string{"path": path, "content": conf, "mode": "0644", "check": "haproxy -c -q -f {}"}, deps...)
	pidfile := RunDir + "/" + lb.Name + ".pid"
	set.Add("service", lb.Name, map[string]string{
		// Master-worker: SIGUSR2 starts new workers with the new config
		// while the old ones finish their connections.
		"command": "haproxy -W -D -f " + path + " -p " + pidfile,
		"pidfile": pidfile, "reload": "SIGUSR2", "restart_key": blocks.Hash(conf),
	}, file)
	return nil
}

func nginx(set *blocks.Set, lb *Decl, address string, cert *Cert, deps []string) error {
	method := lb.Mode
	if method == "round_robin" {
		method = ""
	}
	var servers []string
	for _, b := range lb.Backends {
		servers = append(servers, b.Address+":"+strconv.Itoa(b.Port))
	}
	vhost := NginxServer{Listen: []string{fmt.Sprintf("%s:%d", address, lb.Port)}, ServerName: firstNonEmpty(lb.URL, "_"), Upstream: lb.Name}
	if cert != nil {
		vhost.Listen = append(vhost.Listen, fmt.Sprintf("%s:%d ssl", address, lb.TLS.Port))
		vhost.Cert, vhost.Key = cert.Cert, cert.Key
	}
	n := Nginx{Owner: Owner(lb), Name: lb.Name, Workers: lb.Workers, Resolvers: lb.Resolvers,
		FailTimeout: millis(lb.CheckInterval.Milliseconds()),
		Upstreams:   []NginxUpstream{{Name: lb.Name, Method: method, Servers: servers}},
		Servers:     []NginxServer{vhost}}
	return n.AddTo(set, deps)
}

// Nginx is one nginx instance: its upstreams and virtual servers.
type Nginx struct {
	Owner, Name   string
	Workers       int
	Resolvers     []string
	FailTimeout   string
	Upstreams     []NginxUpstream
	DefaultListen []string // listen lines of a catch-all server answering 404
	// DefaultTLS adds "ADDRESS:PORT ssl" listen lines to the catch-all
	// server, which refuses the TLS handshake of a name no server serves
	// (else nginx would answer it with the first TLS server).
	DefaultTLS []string
	Servers    []NginxServer
}

// NginxUpstream is one upstream block.
type NginxUpstream struct {
	Name    string
	Method  string // "", "least_conn", "ip_hash"
	Servers []string
}

// NginxServer is one server block.
type NginxServer struct {
	Listen     []string
	ServerName string
	Cert, Key  string
	Upstream   string
}

// AddTo adds the config file, checked with nginx -t, and the service,
// reloaded with SIGHUP (new workers, old ones finish their requests).
func (n Nginx) AddTo(set *blocks.Set, deps []string) error {
	path := ConfigDir + "/" + n.Name + ".nginx.conf"
	// In /run itself: nginx -t opens it, and RunDir may not exist yet.
	pidfile := "/run/" + n.Name + ".nginx.pid"
	var static []NginxUpstream
	dynamic := map[string]*dynamicUpstream{}
	for i, u := range n.Upstreams {
		if name, ok := n.byName(u); ok {
			dynamic[u.Name] = &dynamicUpstream{Var: "$drover_upstream" + strconv.Itoa(i+1), Server: name}
			continue
		}
		static = append(static, u)
	}
	data := map[string]any{
		"Owner": n.Owner, "Workers": n.Workers, "PIDFile": pidfile, "ErrorLog": "/var/log/nginx/" + n.Name + ".error.log",
		"Resolvers": n.Resolvers, "Upstreams": static, "Dynamic": dynamic, "FailTimeout": n.FailTimeout,
		"DefaultListen": n.DefaultListen, "DefaultTLS": n.DefaultTLS, "Servers": n.Servers, "ConfigTag": "",
	}
	conf, err := templates.Render("nginx.conf.tmpl", data)
	if err != nil {
		return err
	}
	if len(n.DefaultListen) > 0 {
		// The default server names the config it comes from, so that
		// verify can wait until nginx serves this one (a removed app is
		// gone, an added one there) after the reload.
		data["ConfigTag"] = blocks.Hash(conf)
		if conf, err = templates.Render("nginx.conf.tmpl", data); err != nil {
			return err
		}
		set.Check("http", n.Name+" (nginx) serves its current config", map[string]string{
			"url": "http://" + n.DefaultListen[0] + "/", "host": "drover-config-check.invalid", "status": "404",
			"retry_ms": "5000", "header": "X-Drover-Config", "header_equals": data["ConfigTag"].(string),
		})
	}
	file := set.Add("file", path, map[string]string{"path": path, "content": conf, "mode": "0644", "check": "nginx -q -t -c {}"}, deps...)
	set.Add("service", n.Name, map[string]string{
		"command": "nginx -c " + path, "pidfile": pidfile, "reload": "SIGHUP", "restart_key": blocks.Hash(conf),
	}, file)
	return nil
}

// dynamicUpstream is an upstream nginx resolves at run time: the variable
// proxy_pass names, and its "NAME:PORT".
type dynamicUpstream struct{ Var, Server string }

// byName says whether u is one server given by name that nginx resolves
// at run time through the resolvers (proxy_pass to a variable): an
// upstream block's names are resolved once, at start, by the system's
// resolver, and nginx 1.22 has no "resolve" for them. It returns the
// server, "NAME:PORT".
func (n Nginx) byName(u NginxUpstream) (string, bool) {
	if len(n.Resolvers) == 0 || len(u.Servers) != 1 {
		return "", false
	}
	host, _, err := net.SplitHostPort(u.Servers[0])
	if err != nil || net.ParseIP(host) != nil {
		return "", false
	}
	return u.Servers[0], true
}

// millis renders a duration for haproxy and nginx: "500ms", "2s".
func millis(ms int64) string {
	if ms <= 0 {
		ms = 2000
	}
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10) + "s"
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// backendsCheck proves that every declared backend serves through the
// balancer: twice as many requests as backends, each answer marked by the
// balancer with the backend that gave it (X-Drover-Backend), and as many
// distinct backends among them as declared. Balancing by client address
// (haproxy source, nginx ip_hash) sends one client to one backend: there
// one backend answering is all a single client can prove.
func backendsCheck(lb *Decl, address string) map[string]string {
	distinct := len(lb.Backends)
	if lb.Mode == "source" || lb.Mode == "ip_hash" {
		distinct = 1
	}
	return map[string]string{
		"url": fmt.Sprintf("http://%s:%d/", address, lb.Port), "host": lb.URL,
		"status": "<500", "count": strconv.Itoa(2 * len(lb.Backends)), "retry_ms": "5000",
		"header": "X-Drover-Backend", "header_distinct": strconv.Itoa(distinct),
	}
}

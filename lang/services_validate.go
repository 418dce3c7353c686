package lang

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Limits of service settings.
const (
	maxWorkers = 64
)

var lbModes = map[string][]string{
	LBHAProxy: {"roundrobin", "leastconn", "source"},
	LBNginx:   {"round_robin", "least_conn", "ip_hash"},
}

// svcNames tracks names across service blocks: they name files, services
// and nftables tables on the hosts, so they are unique cluster-wide.
type svcNames map[string]hcl.Range

// validateServices checks every service block.
func (l *loader) validateServices(c *Cluster) {
	l.svcNames = svcNames{}
	names := l.svcNames
	ports := map[string]hcl.Range{} // "server:port" published or listened on
	for i, d := range l.svc.lbs {
		l.validateLB(d, c.LoadBalancers[i], c, names, ports)
	}
	for i, d := range l.svc.webs {
		l.validateWeb(d, c.WebServers[i], c, names, ports)
	}
}

// checkServiceName checks a given or generated name.
func (l *loader) checkServiceName(n *node, name, what string, names svcNames, decl hcl.Range) {
	if name == "" {
		return
	}
	given, _ := l.stringOf(n)
	rng := n.rng
	if given == "" {
		rng = decl
	}
	if !validName(blockServer, name) {
		l.reportAt(rng, problem{"Invalid " + what + " name", fmt.Sprintf(
			"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters). Write for example name = %q.",
			name, suggestIdentifier(name))})
		return
	}
	if first, dup := names[name]; dup {
		detail := fmt.Sprintf("The name %q is already used by the block at %s; names of load balancers, web servers and VIPs are unique.", name, shortPos(first))
		if given == "" {
			detail += " This name was generated: set name = \"...\" on one of them."
		} else {
			detail += " Rename one of them."
		}
		l.reportAt(rng, problem{"Duplicate " + what + " name", detail})
		return
	}
	names[name] = rng
}

// checkServer checks a server attribute names a declared server.
func (l *loader) checkServer(n *node, name string) bool {
	if name == "" || !n.value.IsKnown() {
		return false
	}
	if l.syms.servers[name] != nil {
		return true
	}
	l.report(n, unknownServer(name, l.syms.srvOrder))
	return false
}

func unknownServer(name string, declared []string) problem {
	detail := fmt.Sprintf("Server %q is not declared.", name)
	if s := suggest(name, declared); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else {
		detail += fmt.Sprintf(" Declare it with server %q { address = ... }.", name)
	}
	return problem{"Unknown server", detail}
}

func (l *loader) validateLB(d *svcDecl, lb *LoadBalancer, c *Cluster, names svcNames, ports map[string]hcl.Range) {
	a := d.attrs
	l.checkServiceName(a["name"], lb.Name, "load balancer", names, d.block.DefRange)
	serverOK := l.checkServer(a["server"], lb.Server)
	l.checkListenAddress(a["address"])
	l.checkPort(a["port"], "80")
	if mode, ok := l.stringOf(a["mode"]); ok && mode != "" && !slices.Contains(lbModes[lb.Kind], mode) {
		detail := fmt.Sprintf("%s balances with one of %s.", lb.Kind, strings.Join(lbModes[lb.Kind], ", "))
		if s := suggest(mode, lbModes[lb.Kind]); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		l.report(a["mode"], problem{"Unsupported balancing mode", detail})
	}
	l.checkBackends(a["backends"], lb.Kind)
	if hc, ok := l.stringOf(a["health_check"]); ok && hc != "" && !strings.HasPrefix(hc, "/") {
		l.report(a["health_check"], problem{"Invalid health check", fmt.Sprintf(
			"health_check is the HTTP path backends are checked with and starts with '/'; write for example health_check = %q, or leave it out for TCP checks.", "/"+hc)})
	}
	l.checkWorkers(a["workers"])
	l.checkResolvers(a["resolvers"])
	l.checkPublish(a["publish"], lb.Server, serverOK, ports)
	if serverOK {
		l.claimPort(ports, lb.Server, lb.Address, lb.Port, a["port"])
		if lb.TLS != nil {
			l.claimPort(ports, lb.Server, lb.Address, lb.TLS.Port, d.tls.attrs["port"])
		}
	}
	l.validateTLS(d.tls, lb.TLS)
}

// claimPort reports two balancers or web servers listening on the same
// port of the same address of one server.
func (l *loader) claimPort(ports map[string]hcl.Range, server, address string, port int, n *node) {
	if port == 0 {
		return
	}
	key := fmt.Sprintf("listen %s %s:%d", server, address, port)
	if first, dup := ports[key]; dup {
		l.report(n, problem{"Port used twice", fmt.Sprintf(
			"Port %d on server %q is already listened on by the block at %s. Give one of them another port.", port, server, shortPos(first))})
		return
	}
	ports[key] = n.rng
}

func (l *loader) checkListenAddress(n *node) {
	if s, ok := l.stringOf(n); ok && s != "" {
		addr, p := parseAddress(s)
		if p.ok() && !addr.Is4() {
			p = problem{"Invalid IP address", fmt.Sprintf("%s is not an IPv4 address; write for example %s = %s.", addr, n.attrName(), n.example)}
		}
		l.report(n, p)
	}
}

func (l *loader) checkBackends(n *node, kind string) {
	elems := elementRanges(n)
	entries := l.stringList(n, elems, "backend")
	if len(entries) == 0 && n.value.IsWhollyKnown() && !n.value.IsNull() {
		l.report(n, problem{"No backends", `A load balancer needs at least one backend, for example backends = ["web1:100.64.10.2:8080"].`})
	}
	seen := map[string]bool{}
	for _, e := range entries {
		rng := elems[e.index]
		b, ok := parseBackend(e.value)
		if !ok {
			l.reportAt(rng, problem{"Invalid backend", fmt.Sprintf(
				"%q is not a backend: write ADDRESS:PORT or NAME:ADDRESS:PORT (the port 1..65535), for example \"web1:100.64.10.2:8080\".", e.value)})
			continue
		}
		if strings.Contains(e.value, ":") && strings.Count(e.value, ":") == 2 && !validName(blockServer, b.Name) {
			l.reportAt(rng, problem{"Invalid backend name", fmt.Sprintf(
				"Backend name %q must start with a letter and hold only letters, digits, '_' and '-'; write for example %q.", b.Name, suggestIdentifier(b.Name)+":"+b.Address+fmt.Sprintf(":%d", b.Port))})
			continue
		}
		if seen[b.Name] {
			l.reportAt(rng, problem{"Duplicate backend", fmt.Sprintf(
				"Backend %q is listed twice in this %s load balancer. List each backend once, with its own name.", b.Name, kind)})
		}
		seen[b.Name] = true
	}
}

func (l *loader) checkWorkers(n *node) {
	if w, ok := l.intOf(n); ok {
		l.report(n, inRange(w, 0, maxWorkers, "Workers out of range", "workers", "2"))
	}
}

func (l *loader) checkResolvers(n *node) {
	elems := elementRanges(n)
	for _, e := range l.stringList(n, elems, "DNS server address") {
		addr, p := parseAddress(e.value)
		_ = addr
		l.reportAt(elems[e.index], p)
	}
}

// checkPublish checks published ports; across declarations too when the
// server is known.
func (l *loader) checkPublish(n *node, server string, serverOK bool, ports map[string]hcl.Range) {
	elems := elementRanges(n)
	for _, e := range l.stringList(n, elems, "port") {
		rng := elems[e.index]
		p, ok := parsePublish(e.value)
		if !ok {
			l.reportAt(rng, problem{"Invalid published port", fmt.Sprintf(
				"%q is not a port to publish: write PORT or SERVERPORT:PORT (1..65535), for example \"80\" or \"8080:80\".", e.value)})
			continue
		}
		key := fmt.Sprintf("publish %s:%d", server, p.ServerPort)
		if !serverOK {
			continue
		}
		if first, dup := ports[key]; dup {
			l.reportAt(rng, problem{"Port published twice", fmt.Sprintf(
				"Port %d of server %q is already published at %s. Publish each server port once.", p.ServerPort, server, shortPos(first))})
			continue
		}
		ports[key] = rng
	}
}

func (l *loader) validateTLS(d *nestedDecl, t *TLS) {
	if d == nil || t == nil {
		return
	}
	l.checkPort(d.attrs["port"], "443")
	cert, key := d.attrs["certificate"], d.attrs["key"]
	for _, n := range []*node{cert, key} {
		if s, ok := l.stringOf(n); ok && s != "" && !strings.HasPrefix(s, "/") {
			l.report(n, problem{"Path is not absolute", fmt.Sprintf(
				"%s is a file on the server and needs an absolute path, for example %s = %s.", n.attrName(), n.attrName(), n.example)})
		}
	}
	switch {
	case t.Certificate != "" && t.Key == "":
		l.reportAt(d.block.DefRange, problem{"Certificate without key", "A tls block with a certificate also needs its key: add key = \"/etc/ssl/private/NAME.key\", or leave both out for a self-signed certificate."})
	case t.Certificate == "" && t.Key != "":
		l.report(key, problem{"Key without certificate", "A tls block with a key also needs its certificate: add certificate = \"/etc/ssl/certs/NAME.pem\", or leave both out for a self-signed certificate."})
	}
}

func (l *loader) validateWeb(d *svcDecl, w *WebServer, c *Cluster, names svcNames, ports map[string]hcl.Range) {
	a := d.attrs
	l.checkServiceName(a["name"], w.Name, "web server", names, d.block.DefRange)
	serverOK := l.checkServer(a["server"], w.Server)
	l.checkListenAddress(a["address"])
	l.checkPort(a["port"], "80")
	l.checkPort(a["tls_port"], "443")
	l.checkWorkers(a["workers"])
	l.checkResolvers(a["resolvers"])
	l.checkPublish(a["publish"], w.Server, serverOK, ports)
	if serverOK {
		l.claimPort(ports, w.Server, w.Address, w.Port, a["port"])
		if slices.ContainsFunc(w.Apps, func(app App) bool { return app.TLS != nil }) {
			l.claimPort(ports, w.Server, w.Address, w.TLSPort, a["tls_port"])
		}
	}
	elems := elementRanges(a["hosts_on"])
	for _, e := range l.stringList(a["hosts_on"], elems, "server name") {
		if l.syms.servers[e.value] == nil {
			l.reportAt(elems[e.index], unknownServer(e.value, l.syms.srvOrder))
		}
	}
	hosts := map[string]hcl.Range{}
	for i, ad := range d.apps {
		l.validateApp(ad, w.Apps[i], hosts)
	}
}

func (l *loader) validateApp(d *nestedDecl, app App, hosts map[string]hcl.Range) {
	rng := d.block.LabelRanges[0]
	if p := domainProblem(app.Host, "app", `"myminio.org"`); !p.ok() || !strings.Contains(app.Host, ".") {
		l.reportAt(rng, problem{"Invalid app host name", fmt.Sprintf(
			"%q is not a host name; an app is published under a DNS name such as app \"myminio.org\" { ... }.", app.Host)})
	} else if first, dup := hosts[app.Host]; dup {
		l.reportAt(rng, problem{"Duplicate app", fmt.Sprintf(
			"App %q is already published on this web server at %s. Publish each host name once.", app.Host, shortPos(first))})
	} else {
		hosts[app.Host] = rng
	}
	if up, ok := l.stringOf(d.attrs["upstream"]); ok {
		if _, ok := parseBackend(up); !ok || strings.Count(up, ":") != 1 {
			l.report(d.attrs["upstream"], problem{"Invalid upstream", fmt.Sprintf(
				"%q is not an upstream: write ADDRESS:PORT or NAME:PORT, for example upstream = \"100.64.10.2:9000\".", up)})
		}
	}
	l.validateTLS(d.tls, app.TLS)
}

// OwnedSubnet is a declared subnet and who declares it ("network vx1",
// "server s1").
type OwnedSubnet struct{ Owner, CIDR string }

// BridgeSubnets are the declared subnets of bridge on the servers: a VXLAN
// network's overlay subnet, or a server's container subnet.
func (c *Cluster) BridgeSubnets(bridge string, servers []string) []OwnedSubnet {
	var out []OwnedSubnet
	for _, n := range c.Networks {
		if s, ok := n.Spec.(StaticAddressNetwork); ok && s.StaticMemberAddresses() {
			if cn, ok := n.Spec.(ContainerNetwork); ok {
				if br, subnet := cn.ContainerBridge(); br == bridge {
					out = append(out, OwnedSubnet{"network " + n.Name, subnet})
				}
			}
		}
	}
	for _, name := range servers {
		if s := c.Server(name); s != nil && s.Bridge == bridge && s.Subnet != "" {
			out = append(out, OwnedSubnet{"server " + s.Name, s.Subnet})
		}
	}
	return out
}

func sqlName(s string) bool {
	if len(s) > 63 || s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Package web expands `webserver` declarations (the seed's addws, pubapp,
// delapp and addhosts) into host resources: nginx as a reverse proxy that
// publishes each app under its host name (plain HTTP, and HTTPS with the
// app's own certificate when it has a tls block), one config checked with
// nginx -t and reloaded gracefully, so removing one app leaves the others'
// connections alone; ports published on the server's address; and
// /etc/hosts entries for every app on the servers named in hosts_on.
package web

import (
	"fmt"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/lb"
)

// Owner is the declaration name resources of w belong to.
func Owner(w *Decl) string { return "webserver." + w.Name }

// Expand returns, per server name, what w wants there: nginx on its
// server, hosts entries on the hosts_on servers.
func (w *Decl) Expand(c *lang.Cluster, _ map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return Expand(w, c)
}

// Expand returns, per server name, what w wants there (see Decl.Expand).
func Expand(w *Decl, c *lang.Cluster) (map[string]*blocks.Set, error) {
	srv := c.Server(w.Server)
	if srv == nil {
		return nil, fmt.Errorf("webserver %s: unknown server %q", w.Name, w.Server)
	}
	set := &blocks.Set{Owner: Owner(w)}
	address := lb.ListenAddress(srv, w.Address)
	deps := []string{set.Add("package", "nginx", map[string]string{"name": "nginx-light"})}
	if id := lb.NonLocal(set, srv, w.Address); id != "" {
		deps = append(deps, id)
	}
	n := lb.Nginx{Owner: Owner(w), Name: w.Name, Workers: w.Workers, Resolvers: w.Resolvers, FailTimeout: "10s",
		DefaultListen: []string{fmt.Sprintf("%s:%d", address, w.Port)}}
	for i, app := range w.Apps {
		upstream := fmt.Sprintf("app%d_%s", i+1, sanitize(app.Host))
		n.Upstreams = append(n.Upstreams, lb.NginxUpstream{Name: upstream, Servers: []string{app.Upstream}})
		vhost := lb.NginxServer{Listen: []string{fmt.Sprintf("%s:%d", address, w.Port)}, ServerName: app.Host, Upstream: upstream}
		httpCheck(set, w, app.Host, "http", lb.PublishedURL("http", srv, address, w.Port, nil))
		if app.TLS != nil {
			crt := lb.AddTLS(set, w.Name+"-"+app.Host, app.TLS, []string{app.Host}, false)
			deps = append(deps, crt.ID)
			vhost.Listen = append(vhost.Listen, fmt.Sprintf("%s:%d ssl", address, w.TLSPort))
			n.DefaultTLS = []string{fmt.Sprintf("%s:%d ssl", address, w.TLSPort)}
			vhost.Cert, vhost.Key = crt.Cert, crt.Key
			httpCheck(set, w, app.Host, "https", fmt.Sprintf("https://%s:%d/", address, w.TLSPort))
		}
		n.Servers = append(n.Servers, vhost)
	}
	if err := n.AddTo(set, deps); err != nil {
		return nil, fmt.Errorf("webserver %s: %w", w.Name, err)
	}
	if err := lb.Publish(set, w.Name, srv, address, w.Publish); err != nil {
		return nil, err
	}
	set.Check("service", w.Name+" (nginx) is running", map[string]string{"name": w.Name})
	out := map[string]*blocks.Set{w.Server: set}
	hostsEntries(w, srv, address, out)
	return out, nil
}

// httpCheck proves that nginx serves host. Over HTTPS the certificate is
// not verified: the check connects to the listen address, where a
// certificate for the public name (self-signed, or from a CA this server
// may not trust) does not verify anyway.
func httpCheck(set *blocks.Set, w *Decl, host, scheme, url string) {
	// The app may answer what it likes (a 404 at /), but the answer must
	// come from this site through a live upstream: nginx marks every
	// answer of the site with its host (a default server answering for an
	// unknown host does not), and a dead upstream is a 502.
	attrs := map[string]string{"url": url, "host": host, "status": "<500", "retry_ms": "5000",
		"header": "X-Drover-Site", "header_equals": host}
	if scheme == "https" {
		attrs["insecure"] = "true"
	}
	set.Check("http", fmt.Sprintf("%s publishes %s over %s", w.Name, host, scheme), attrs)
}

// hostsEntries maps every app's host name to the web server on each
// hosts_on server: to the server's address when the web server's port is
// published there, else to where nginx listens.
func hostsEntries(w *Decl, srv *lang.Server, address string, out map[string]*blocks.Set) {
	ip := address
	for _, p := range w.Publish {
		if p.Port == w.Port {
			ip = srv.Address
		}
	}
	for _, name := range w.HostsOn {
		set, ok := out[name]
		if !ok {
			set = &blocks.Set{Owner: Owner(w)}
			out[name] = set
		}
		for _, app := range w.Apps {
			set.Add("line", "/etc/hosts#"+app.Host, map[string]string{
				"path": "/etc/hosts", "line": fmt.Sprintf("%s\t%s\t# drover %s", ip, app.Host, Owner(w)),
				"regexp": `^\S+\s+` + strings.ReplaceAll(app.Host, ".", `\.`) + `(\s|$)`,
			})
		}
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

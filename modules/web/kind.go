package web

import (
	"fmt"
	"slices"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/lb"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Decl is one `webserver { ... }` block (addws/pubapp/delapp/addhosts):
// nginx on Server publishing Apps by host name.
type Decl struct {
	Name      string // given, else "web-SERVER-PORT"
	Server    string
	Address   string // "" = as for load balancers
	Port      int    // default 80
	TLSPort   int    // default 443, for apps with tls
	Workers   int
	Resolvers []string
	Publish   []lb.Published
	// HostsOn are servers whose /etc/hosts map every app's host name to
	// this web server (the server's address when published, else Address).
	HostsOn []string
	Apps    []App

	DeclRange hcl.Range
}

// App is one `app "HOST" { upstream = "ADDRESS:PORT" }` of a web server.
type App struct {
	Host     string
	Upstream string  // "ADDRESS:PORT" or "NAME:PORT"
	TLS      *lb.TLS // Port unused: the web server's TLSPort

	DeclRange hcl.Range
}

// DeclName is the owner of w's resources on the hosts.
func (w *Decl) DeclName() string { return Owner(w) }

// Kind describes the `webserver` block to lang.
func Kind() lang.BlockKind {
	return lang.BlockKind{
		Type:     "webserver",
		Noun:     "web server",
		DrawRank: 1,
		Attrs: []lang.Attr{
			{Name: "name", Type: cty.String, Default: cty.StringVal(""), Example: `"nginx11"`, Grammar: "ident"},
			{Name: "server", Type: cty.String, Required: true, Example: `"s1"`, Grammar: "server-ref"},
			{Name: "address", Type: cty.String, Default: cty.StringVal(""), Example: `"100.65.1.1"`, Grammar: "ip"},
			{Name: "port", Type: cty.Number, Default: cty.NumberIntVal(80), Example: "80"},
			{Name: "tls_port", Type: cty.Number, Default: cty.NumberIntVal(443), Example: "443"},
			{Name: "workers", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "2"},
			{Name: "resolvers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["100.64.10.1"]`, Grammar: "ip"},
			{Name: "publish", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["80", "443"]`, Grammar: "publish"},
			{Name: "hosts_on", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s2", "s3"]`, Grammar: "server-ref"},
		},
		Blocks: []lang.NestedBlock{{
			Type:  "app",
			Label: "host",
			Attrs: []lang.Attr{
				{Name: "upstream", Type: cty.String, Required: true, Example: `"100.64.10.2:9000"`, Grammar: "host-port"},
			},
			Blocks: []lang.NestedBlock{lb.TLSBlock()},
		}},
		Assemble: assemble,
		Validate: validateAll,
		Show:     showKind(),
	}
}

func assemble(d *lang.BlockDecl) lang.Decl {
	w := &Decl{DeclRange: d.Range()}
	w.Name = d.String("name")
	w.Server = d.String("server")
	w.Address = d.String("address")
	w.Port = d.Int("port")
	w.TLSPort = d.Int("tls_port")
	w.Workers = d.Int("workers")
	w.Resolvers = d.Strings("resolvers")
	w.Publish = lb.Publishes(d)
	w.HostsOn = d.Strings("hosts_on")
	for _, ad := range d.Blocks("app") {
		w.Apps = append(w.Apps, App{Host: ad.Label(), DeclRange: ad.Range(), TLS: lb.AssembleTLS(ad.Block("tls")), Upstream: ad.String("upstream")})
	}
	if w.Name == "" && w.Server != "" {
		w.Name = fmt.Sprintf("web-%s-%d", w.Server, w.Port)
	}
	return w
}

func validateAll(ds []*lang.BlockDecl, decls []lang.Decl, _ *lang.Cluster) {
	for i, d := range ds {
		validate(d, decls[i].(*Decl))
	}
}

func validate(d *lang.BlockDecl, w *Decl) {
	d.ClaimName("name", w.Name, "web server")
	serverOK := d.CheckServer("server")
	d.CheckIPv4("address", true)
	d.CheckPort("port", "80")
	d.CheckPort("tls_port", "443")
	lb.CheckDaemon(d, w.Server, serverOK)
	if serverOK {
		lb.ClaimPort(d, "port", w.Server, w.Address, w.Port)
		if slices.ContainsFunc(w.Apps, func(app App) bool { return app.TLS != nil }) {
			lb.ClaimPort(d, "tls_port", w.Server, w.Address, w.TLSPort)
		}
	}
	d.CheckServers("hosts_on", "server name")
	hosts := map[string]hcl.Range{}
	for i, ad := range d.Blocks("app") {
		validateApp(ad, w.Apps[i], hosts)
	}
}

func validateApp(d *lang.BlockDecl, app App, hosts map[string]hcl.Range) {
	if !lang.IsDomain(app.Host) || !strings.Contains(app.Host, ".") {
		d.LabelProblem("Invalid app host name", fmt.Sprintf(
			"%q is not a host name; an app is published under a DNS name such as app \"myminio.org\" { ... }.", app.Host))
	} else if first, dup := hosts[app.Host]; dup {
		d.LabelProblem("Duplicate app", fmt.Sprintf(
			"App %q is already published on this web server at %s. Publish each host name once.", app.Host, lang.ShortPos(first)))
	} else {
		hosts[app.Host] = d.LabelRange()
	}
	if up, ok := d.StringOK("upstream"); ok {
		if _, ok := lb.ParseBackend(up); !ok || strings.Count(up, ":") != 1 {
			d.Problem("upstream", "Invalid upstream", fmt.Sprintf(
				"%q is not an upstream: write ADDRESS:PORT or NAME:PORT, for example upstream = \"100.64.10.2:9000\".", up))
		}
	}
	lb.ValidateTLS(d.Block("tls"), app.TLS)
}

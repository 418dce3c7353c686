package lang

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The cluster service blocks: load balancers, web servers, floating VIPs
// and databases (model_services.go). Their names are optional and
// generated when left out, so they are not referenceable.
const (
	blockLoadBalancer = "loadbalancer"
	blockWebServer    = "webserver"
	blockTLS          = "tls"
	blockApp          = "app"
)

var (
	lbKinds = []string{LBHAProxy, LBNginx}
)

// serviceBlockSchemas are the top-level service blocks.
func serviceBlockSchemas() []hcl.BlockHeaderSchema {
	return []hcl.BlockHeaderSchema{
		{Type: blockLoadBalancer, LabelNames: []string{"kind"}},
		{Type: blockWebServer},
	}
}

func emptyStrings() cty.Value { return cty.ListValEmpty(cty.String) }

func lbSpecs() []attrSpec {
	return inBlock("loadbalancer", []attrSpec{
		{name: "name", typ: cty.String, deflt: str(""), example: `"ha1"`},
		{name: "server", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"s1"`, required: true},
		{name: "address", typ: cty.String, deflt: str(""), example: `"100.65.1.1"`},
		{name: "port", typ: cty.Number, deflt: num(80), example: "80"},
		{name: "mode", typ: cty.String, deflt: str(""), example: `"leastconn"`},
		{name: "backends", typ: cty.List(cty.String), deflt: cty.UnknownVal(cty.List(cty.String)), example: `["web1:100.64.10.2:8080"]`, required: true},
		{name: "health_check", typ: cty.String, deflt: str(""), example: `"/"`},
		{name: "check_interval", typ: cty.String, deflt: str("2s"), example: `"2s"`},
		{name: "url", typ: cty.String, deflt: str(""), example: `"mywordpress.org"`},
		{name: "workers", typ: cty.Number, deflt: num(0), example: "2"},
		{name: "resolvers", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["100.64.10.1"]`},
		{name: "publish", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["80"]`},
	})
}

func tlsSpecs() []attrSpec {
	return inBlock("tls", []attrSpec{
		{name: "port", typ: cty.Number, deflt: num(443), example: "443"},
		{name: "certificate", typ: cty.String, deflt: str(""), example: `"/etc/ssl/certs/web.pem"`},
		{name: "key", typ: cty.String, deflt: str(""), example: `"/etc/ssl/private/web.key"`},
		{name: "names", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["mywordpress.org"]`},
	})
}

func webSpecs() []attrSpec {
	return inBlock("webserver", []attrSpec{
		{name: "name", typ: cty.String, deflt: str(""), example: `"nginx11"`},
		{name: "server", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"s1"`, required: true},
		{name: "address", typ: cty.String, deflt: str(""), example: `"100.65.1.1"`},
		{name: "port", typ: cty.Number, deflt: num(80), example: "80"},
		{name: "tls_port", typ: cty.Number, deflt: num(443), example: "443"},
		{name: "workers", typ: cty.Number, deflt: num(0), example: "2"},
		{name: "resolvers", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["100.64.10.1"]`},
		{name: "publish", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["80", "443"]`},
		{name: "hosts_on", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["s2", "s3"]`},
	})
}

func appSpecs() []attrSpec {
	return inBlock("webserver.app", []attrSpec{
		{name: "upstream", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"100.64.10.2:9000"`, required: true},
	})
}

// svcDecl is one service block, with its nested blocks.
type svcDecl struct {
	typ   string // block type
	kind  string // label: lb kind or db engine, "" for the others
	block *hcl.Block
	attrs map[string]*node
	tls   *nestedDecl   // loadbalancer tls block
	apps  []*nestedDecl // webserver app blocks
}

// nestedDecl is a tls or app block; an app may hold a tls block.
type nestedDecl struct {
	label string
	block *hcl.Block
	attrs map[string]*node
	tls   *nestedDecl
}

// serviceDecls are the service blocks of a load, in declaration order.
type serviceDecls struct {
	lbs, webs []*svcDecl
}

// collectService registers one service block.
func (l *loader) collectService(b *hcl.Block) {
	d := &svcDecl{typ: b.Type, block: b}
	var specs []attrSpec
	var nested []hcl.BlockHeaderSchema
	switch b.Type {
	case blockLoadBalancer:
		if !l.knownLabel(b, "load balancer kind", lbKinds) {
			return
		}
		specs, nested = lbSpecs(), []hcl.BlockHeaderSchema{{Type: blockTLS}}
		l.svc.lbs = append(l.svc.lbs, d)
	case blockWebServer:
		specs, nested = webSpecs(), []hcl.BlockHeaderSchema{{Type: blockApp, LabelNames: []string{"host"}}}
		l.svc.webs = append(l.svc.webs, d)
	}
	if len(b.Labels) > 0 {
		d.kind = b.Labels[0]
	}
	what := fmt.Sprintf("A %s block", b.Type)
	content := l.content(b.Body, bodySchema(specs, nested...), what)
	key := fmt.Sprintf("%s#%d", b.Type, b.DefRange.Start.Byte)
	d.attrs = l.attrNodes([]string{b.Type, key}, specs, content, b.DefRange)
	for _, nb := range content.Blocks {
		switch nb.Type {
		case blockTLS:
			d.tls = l.collectTLS(d.tls, []string{b.Type, key}, nb)
		case blockApp:
			d.apps = append(d.apps, l.collectApp([]string{b.Type, key}, nb))
		}
	}
}

// labelAliases are other names people use for a kind drover has.
var labelAliases = map[string]string{
	"mysql": "mariadb", "postgres": "postgresql", "pg": "postgresql", "pgsql": "postgresql",
}

// knownLabel reports an unsupported kind label; false skips the block.
func (l *loader) knownLabel(b *hcl.Block, what string, known []string) bool {
	return l.knownLabelOf(b, what, known, labelAliases)
}

func (l *loader) attrNodes(path []string, specs []attrSpec, content *hcl.BodyContent, fallback hcl.Range) map[string]*node {
	nodes := map[string]*node{}
	for _, spec := range specs {
		nodes[spec.name] = l.attrNode(child(path, spec.name), spec, content.Attributes[spec.name], fallback)
	}
	return nodes
}

func (l *loader) collectTLS(first *nestedDecl, path []string, b *hcl.Block) *nestedDecl {
	if first != nil {
		l.errorf(b.DefRange, nil, "Duplicate tls block",
			"There is already a tls block at %s. Merge the two into one.", shortPos(first.block.DefRange))
		return first
	}
	content := l.content(b.Body, bodySchema(tlsSpecs()), "A tls block")
	return &nestedDecl{block: b, attrs: l.attrNodes(child(path, blockTLS), tlsSpecs(), content, b.DefRange)}
}

func (l *loader) collectApp(path []string, b *hcl.Block) *nestedDecl {
	content := l.content(b.Body, bodySchema(appSpecs(), hcl.BlockHeaderSchema{Type: blockTLS}), "An app block")
	appPath := append(child(path, blockApp), b.Labels[0])
	a := &nestedDecl{label: b.Labels[0], block: b, attrs: l.attrNodes(appPath, appSpecs(), content, b.DefRange)}
	for _, nb := range content.Blocks {
		a.tls = l.collectTLS(a.tls, appPath, nb)
	}
	return a
}

// assembleServices adds the service blocks to the model.
func (l *loader) assembleServices(c *Cluster) {
	for _, d := range l.svc.lbs {
		c.LoadBalancers = append(c.LoadBalancers, l.assembleLB(d))
	}
	for _, d := range l.svc.webs {
		c.WebServers = append(c.WebServers, l.assembleWeb(d))
	}
}

func (l *loader) assembleLB(d *svcDecl) *LoadBalancer {
	a := d.attrs
	lb := &LoadBalancer{Kind: d.kind, DeclRange: d.block.DefRange}
	lb.Name, _ = l.stringOf(a["name"])
	lb.Server, _ = l.stringOf(a["server"])
	lb.Address, _ = l.stringOf(a["address"])
	lb.Port, _ = l.intOf(a["port"])
	lb.Mode, _ = l.stringOf(a["mode"])
	if lb.Mode == "" {
		lb.Mode = map[string]string{LBHAProxy: "roundrobin", LBNginx: "round_robin"}[d.kind]
	}
	for _, e := range l.plainList(a["backends"]) {
		if b, ok := parseBackend(e.value); ok {
			lb.Backends = append(lb.Backends, b)
		}
	}
	lb.HealthCheck, _ = l.stringOf(a["health_check"])
	lb.CheckInterval = l.durationOf(a["check_interval"])
	lb.URL, _ = l.stringOf(a["url"])
	lb.Workers, _ = l.intOf(a["workers"])
	lb.Resolvers = listValues(l.plainList(a["resolvers"]))
	lb.Publish = publishes(l.plainList(a["publish"]))
	lb.TLS = l.assembleTLS(d.tls)
	if lb.Name == "" && lb.Server != "" {
		lb.Name = fmt.Sprintf("%s-%s-%d", lb.Kind, lb.Server, lb.Port)
	}
	return lb
}

func (l *loader) assembleTLS(d *nestedDecl) *TLS {
	if d == nil {
		return nil
	}
	t := &TLS{}
	t.Port, _ = l.intOf(d.attrs["port"])
	t.Certificate, _ = l.stringOf(d.attrs["certificate"])
	t.Key, _ = l.stringOf(d.attrs["key"])
	t.Names = listValues(l.plainList(d.attrs["names"]))
	return t
}

func (l *loader) assembleWeb(d *svcDecl) *WebServer {
	a := d.attrs
	w := &WebServer{DeclRange: d.block.DefRange}
	w.Name, _ = l.stringOf(a["name"])
	w.Server, _ = l.stringOf(a["server"])
	w.Address, _ = l.stringOf(a["address"])
	w.Port, _ = l.intOf(a["port"])
	w.TLSPort, _ = l.intOf(a["tls_port"])
	w.Workers, _ = l.intOf(a["workers"])
	w.Resolvers = listValues(l.plainList(a["resolvers"]))
	w.Publish = publishes(l.plainList(a["publish"]))
	w.HostsOn = listValues(l.plainList(a["hosts_on"]))
	for _, ad := range d.apps {
		app := App{Host: ad.label, DeclRange: ad.block.DefRange, TLS: l.assembleTLS(ad.tls)}
		app.Upstream, _ = l.stringOf(ad.attrs["upstream"])
		w.Apps = append(w.Apps, app)
	}
	if w.Name == "" && w.Server != "" {
		w.Name = fmt.Sprintf("web-%s-%d", w.Server, w.Port)
	}
	return w
}

// plainList is a list(string) node's non-null elements; null elements are
// reported.
func (l *loader) plainList(n *node) []listEntry {
	return l.stringList(n, elementRanges(n), "string")
}

func listValues(entries []listEntry) []string {
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.value)
	}
	return out
}

// numberMap is a map(number) node's whole-number values.
func (l *loader) numberMap(n *node) map[string]int {
	out := map[string]int{}
	v := n.value
	if !v.IsWhollyKnown() || v.IsNull() || !v.Type().IsMapType() {
		return out
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsNull() {
			continue
		}
		if i, acc := e.AsBigFloat().Int64(); acc == 0 {
			out[k.AsString()] = int(i)
		}
	}
	return out
}

// parseBackend parses "[NAME:]ADDRESS:PORT".
func parseBackend(s string) (Backend, bool) {
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
	if err != nil || port < minPort || port > maxPort || b.Address == "" {
		return b, false
	}
	b.Port = port
	if b.Name == "" {
		b.Name = strings.NewReplacer(".", "_", "-", "_").Replace(b.Address) + "_" + strconv.Itoa(port)
	}
	return b, true
}

// parsePublish parses "PORT" or "SERVERPORT:PORT".
func parsePublish(s string) (Publish, bool) {
	outer, inner, pair := strings.Cut(s, ":")
	p, err1 := strconv.Atoi(outer)
	q, err2 := p, error(nil)
	if pair {
		q, err2 = strconv.Atoi(inner)
	}
	if err1 != nil || err2 != nil || p < minPort || p > maxPort || q < minPort || q > maxPort {
		return Publish{}, false
	}
	return Publish{ServerPort: p, Port: q}, true
}

func publishes(entries []listEntry) []Publish {
	var out []Publish
	for _, e := range entries {
		if p, ok := parsePublish(e.value); ok {
			out = append(out, p)
		}
	}
	return out
}

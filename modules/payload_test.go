package modules_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// TestPayloads is generated from lang's attribute table: for every string
// attribute of every block that is not free-form content, each hostile
// payload (a newline, ';', '{', '}', '"', '\”, '#', a NUL, a leading
// '-', "../" and non-ASCII) is either rejected by validation at the
// attribute's line, or accepted and then inert: the modules' expansion
// gives the same resources as for a valid value, every daemon config
// (haproxy, nginx, keepalived, bird, dnsmasq, nftables) holds exactly the
// directives it holds for the valid value, and the daemon's own parser
// accepts it. With CI=true a missing parser fails the test.
func TestPayloads(t *testing.T) {
	attrs := lang.AttributeGrammars(modules.Kinds())
	covered := map[string]bool{}
	nattrs := 0
	tally := map[string]int{}
	defer func() {
		t.Logf("%d attributes of %d blocks: %d payloads rejected by validation, %d accepted and inert (%d daemon configs parsed)",
			nattrs, len(covered), tally["rejected"], tally["inert"], parsedConfigs)
	}()
	for _, a := range attrs {
		if a.Exempt {
			continue
		}
		key := a.Block + "." + a.Name
		variants := payloadBases[a.Block]
		if len(variants) == 0 {
			t.Errorf("%s: no base configuration for block %q in payloadBases", key, a.Block)
			continue
		}
		covered[a.Block] = true
		nattrs++
		for vi, b := range variants {
			for _, p := range payloadNames {
				t.Run(fmt.Sprintf("%s/%d/%s", key, vi, p), func(t *testing.T) {
					tally[checkPayload(t, a, b, p)]++
				})
			}
		}
	}
	for block := range payloadBases {
		if !covered[block] {
			t.Errorf("payloadBases has %q, which has no checked attribute", block)
		}
	}
}

var payloadNames = []string{"newline", "semicolon", "lbrace", "rbrace", "dquote", "squote", "hash", "nul", "dash", "dotdot", "dotdot2", "nonascii"}

func payload(name, v string) string {
	switch name {
	case "newline":
		return v + "\nx 1"
	case "semicolon":
		return v + ";x"
	case "lbrace":
		return v + "{"
	case "rbrace":
		return v + "}"
	case "dquote":
		return v + `"`
	case "squote":
		return v + "'"
	case "hash":
		return v + "#x"
	case "nul":
		return v + "\x00"
	case "dash":
		return "-" + v
	case "dotdot":
		return "../" + v
	case "dotdot2":
		return v + "/../x"
	}
	return v + "é"
}

// checkPayload loads the base with the attribute set to the payload.
func checkPayload(t *testing.T, a lang.AttributeGrammar, b payloadBase, name string) string {
	v := baseValue(a)
	refSrc, _ := b.render(a, v)
	ref, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(refSrc), "t.tmpl": []byte("x\n")}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatalf("the base with %q does not validate: %s\n%s", v, diags.Error(), refSrc)
	}
	bad := payload(name, v)
	src, line := b.render(a, bad)
	c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(src), "t.tmpl": []byte("x\n")}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Severity == hcl.DiagError && d.Subject != nil && d.Subject.Start.Line == line {
				return "rejected" // where it is written
			}
		}
		t.Fatalf("rejected, but not at line %d:\n%s\n%s", line, diags.Error(), src)
	}
	checkInert(t, c, ref, bad)
	return "inert"
}

// parsedConfigs counts the daemon configs the daemons parsed.
var parsedConfigs int

// baseValue is a valid value of the attribute to build payloads on.
func baseValue(a lang.AttributeGrammar) string {
	if v, ok := baseValues[a.Block+"."+a.Name]; ok {
		return v
	}
	return strings.Trim(a.Example, `"`)
}

// baseValues are valid values where the attribute's example does not fit
// the base configuration.
var baseValues = map[string]string{
	"database.password": "s3cret-pass", "container.files": "/www/index.html", "server.labels": "role",
	"job.constraints": "role", "meta.where": "role", "job.container": "c1", "job.group": "frontend",
	"network.vxlan.bridge": "vxl9", "network.member.address": "100.64.90.40", "network.vxlan.subnet": "100.64.90.0/24",
	"network.member.interface": "eth0", "network.vxlan.servers": "s1", "network.bgp.servers": "s1",
	"network.bridge.servers": "s1", "network.l2vpn.servers": "s1", "network.tunnel.servers": "s1",
	"network.wireguard.servers": "s1", "network.wireguard.hub": "s1", "network.wireguard.topology": "mesh",
	"network.l2vpn.member.endpoint": "203.0.113.7:51821", "vip.servers": "s1", "vip.interface": "eth0",
	"loadbalancer.resolvers": "100.64.10.1", "webserver.resolvers": "100.64.10.1", "webserver.hosts_on": "s2",
	"consul_check.service": "cs", "attachment.network": "vx1", "attachment.address": "100.64.10.50/24",
	"endpoint.network": "vx1", "endpoint.address": "100.64.10.5", "job.network": "vx1",
	"job.addresses": "100.64.10.32/28", "container.service.check": "tcp", "consul_service.check": "tcp",
	"vip.address": "198.51.100.100", "server.address": "198.51.100.3", "server.subnet": "100.65.3.0/24",
	"network.vxlan.group": "239.1.1.1", "network.tunnel.pool": "100.127.250.0/30", "network.tunnel.device": "gre1",
	"network.tunnel.member.underlay": "198.51.100.1", "network.mesh.servers": "s1", "network.mesh.links": "s1",
	"network.mesh.root": "s1", "network.mesh.subnet": "100.64.40.0/24", "network.mesh.member.underlay": "198.51.100.1", "network.l2vpn.subnet": "100.64.30.0/24",
	"network.wireguard.subnet": "100.64.20.0/24", "container.interface.address": "100.64.10.60",
	"container.interface.gateway": "100.64.10.1", "consul_service.address": "100.64.10.1",
	"consul_service.server": "s1", "consul_check.server": "s1", "endpoint.server": "s1",
	"database.allow": "100.65.1.0/24", "loadbalancer.address": "100.65.1.1", "webserver.address": "100.65.1.1",
	"attachment.gateway": "100.64.10.1", "network.vxlan.dhcp_host": "s1", "service.pidfile": "/run/web.pid",
	"symlink.target": "/opt/x", "line.path": "/etc/x", "file.path": "/etc/x", "template.path": "/etc/t",
	"directory.path": "/opt/x", "symlink.path": "/opt/l", "template.source": "t.tmpl", "file.source": "t.tmpl",
	"tls.names": "shop.test", "loadbalancer.url": "shop.test", "webserver.app.upstream": "100.64.10.2:9000",
	"loadbalancer.mode": "", "vip.track": "/usr/bin/pgrep -x haproxy", "consul.source": "t.tmpl",
	"ssh.identity_file": "id", "ssh.known_hosts": "kh", "command.dir": "/opt",
	"container.runtime": "lxc", "job.runtime": "lxc",
}

// instead names the base attribute an attribute replaces (they exclude
// each other).
var instead = map[string]string{
	"container.rootfs": "template", "consul_check.http": "tcp", "file.source": "content",
	"container.image": "template", "container.archive": "template",
}

// alongside are attributes an attribute needs next to it.
var alongside = map[string]map[string]string{
	"network.wireguard.hub": {"topology": `"hub"`},
	"container.image":       {"runtime": `"podman"`},
	"container.archive":     {"runtime": `"podman"`, "image": `"localhost/web:1"`},
}

// payloadBase is a configuration with a hole for one attribute.
type payloadBase struct {
	open, close string
	attrs       map[string]string // HCL expressions of the attributes it needs
	prefix      string
}

const payloadServers = `server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
  labels  = { role = "x" }
}
server "s2" {
  address = "198.51.100.2"
  subnet  = "100.65.2.0/24"
}
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = ["s1", "s2"]
}
`

// render writes the configuration with attribute a set to value, and
// returns it with the line the attribute is on.
func (b payloadBase) render(a lang.AttributeGrammar, value string) (string, int) {
	var sb strings.Builder
	sb.WriteString(payloadServers + b.prefix + b.open + "\n")
	attrs := map[string]string{}
	for n, v := range b.attrs {
		attrs[n] = v
	}
	key := a.Block + "." + a.Name
	for n, v := range alongside[key] {
		attrs[n] = v
	}
	delete(attrs, a.Name)
	delete(attrs, instead[key])
	var names []string
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&sb, "  %s = %s\n", n, attrs[n])
	}
	line := strings.Count(sb.String(), "\n") + 1
	fmt.Fprintf(&sb, "  %s = %s\n", a.Name, hclValue(a.Type, value))
	sb.WriteString(b.close + "\n")
	return sb.String(), line
}

// hclValue writes value as an expression of type typ: a string, a
// one-element list, a list of one pair (the value and "s2": a mesh's
// links), or a map (the value as its key where map values are free-form,
// else as the value of key "k").
func hclValue(typ cty.Type, value string) string {
	q := hclQuote(value)
	switch {
	case typ.IsListType() && typ.ElementType().IsListType():
		return "[[" + q + `, "s2"]]`
	case typ.IsListType() || typ.IsSetType():
		return "[" + q + "]"
	case typ.IsMapType():
		return "{ " + q + " = \"x\" }"
	}
	return q
}

// hclQuote writes s as an HCL string literal that evaluates to s.
func hclQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteString(`\` + string(c))
		case c == '\n':
			b.WriteString(`\n`)
		case c == 0:
			b.WriteString(`\u0000`)
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteString(string(c) + string(c))
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func base(open, close string, attrs map[string]string) payloadBase {
	return payloadBase{open: open, close: close, attrs: attrs}
}

const (
	tmplBase    = `"t.tmpl"`
	consulBase  = "consul {}\nendpoint \"e1\" {\n  server  = \"s1\"\n  network = \"vx1\"\n  address = \"100.64.10.5\"\n}\n"
	ctrBase     = "container \"c1\" {\n  template = \"busybox\"\n  command  = \"/bin/busybox httpd -f -p 80 -h /www\"\n}\n"
	vx9         = "network \"vxlan\" \"vx9\" {\n  subnet  = \"100.64.90.0/24\"\n  servers = [\"s2\"]\n  bridge  = \"vxl9\"\n  vni     = 9\n  member \"s1\" {"
	lbBackends  = `["web1:100.64.10.2:8080"]`
	haproxyOpen = `loadbalancer "haproxy" {`
)

// payloadBases are the configurations each block's attributes are tried
// in: every block key of lang.AttributeGrammars needs one.
var payloadBases = map[string][]payloadBase{
	"ssh":        {base("ssh {", "}", nil)},
	"server":     {base(`server "s3" {`, "}", map[string]string{"address": `"198.51.100.3"`})},
	"server.ssh": {base("server \"s3\" {\n  address = \"198.51.100.3\"\n  ssh {", "}\n}", nil)},
	"network.vxlan": {base(`network "vxlan" "vx9" {`, "}", map[string]string{
		"subnet": `"100.64.90.0/24"`, "servers": `["s1", "s2"]`, "bridge": `"vxl9"`, "vni": "9"})},
	"network.member":     {base(vx9, "}\n}", nil)},
	"network.bgp":        {base(`network "bgp" "b1" {`, "}", map[string]string{"servers": `["s1", "s2"]`})},
	"network.bgp.member": {base("network \"bgp\" \"b1\" {\n  servers = [\"s2\"]\n  member \"s1\" {", "}\n}", nil)},
	"network.bridge":     {base(`network "bridge" "br" {`, "}", map[string]string{"servers": `["s1", "s2"]`})},
	"network.l2vpn": {base(`network "l2vpn" "l1" {`, "}", map[string]string{
		"subnet": `"100.64.30.0/24"`, "servers": `["s1", "s2"]`})},
	"network.l2vpn.member": {base("network \"l2vpn\" \"l1\" {\n  subnet  = \"100.64.30.0/24\"\n  servers = [\"s2\"]\n  member \"s1\" {", "}\n}", nil)},
	"network.tunnel":       {base(`network "gre" "t1" {`, "  member \"s2\" {}\n}", map[string]string{"servers": `["s1"]`, "pool": `"100.127.250.0/30"`})},
	"network.mesh": {base(`network "mesh" "m9" {`, "}", map[string]string{
		"subnet": `"100.64.40.0/24"`, "servers": `["s1", "s2"]`})},
	"network.mesh.member":   {base("network \"mesh\" \"m9\" {\n  subnet = \"100.64.40.0/24\"\n  servers = [\"s2\"]\n  member \"s1\" {", "}\n}", nil)},
	"network.tunnel.member": {base("network \"gre\" \"t1\" {\n  pool = \"100.127.250.0/30\"\n  servers = [\"s2\"]\n  member \"s1\" {", "}\n}", nil)},
	"network.wireguard": {base(`network "wireguard" "w1" {`, "}", map[string]string{
		"subnet": `"100.64.20.0/24"`, "servers": `["s1", "s2"]`})},
	"network.wireguard.member": {base("network \"wireguard\" \"w1\" {\n  subnet  = \"100.64.20.0/24\"\n  servers = [\"s2\"]\n  member \"s1\" {", "}\n}", nil)},
	"attachment":               {base(`attachment "a1" {`, "}", map[string]string{"server": `"s1"`, "network": `"vx1"`, "address": `"100.64.10.50/24"`})},
	"loadbalancer": {
		base(haproxyOpen, "}", map[string]string{"server": `"s1"`, "backends": lbBackends, "health_check": `"/health"`, "url": `"shop.test"`}),
		base(`loadbalancer "nginx" {`, "}", map[string]string{"server": `"s1"`, "backends": lbBackends, "url": `"shop.test"`}),
	},
	"tls": {
		base(haproxyOpen+"\n  server = \"s1\"\n  backends = "+lbBackends+"\n  tls {", "}\n}", map[string]string{
			"certificate": `"/etc/ssl/web.pem"`, "key": `"/etc/ssl/web.key"`, "names": `["shop.test"]`}),
		base("loadbalancer \"nginx\" {\n  server = \"s1\"\n  backends = "+lbBackends+"\n  url = \"shop.test\"\n  tls {", "}\n}", map[string]string{
			"certificate": `"/etc/ssl/web.pem"`, "key": `"/etc/ssl/web.key"`}),
		base("webserver {\n  server = \"s1\"\n  app \"shop.test\" {\n    upstream = \"100.64.10.2:9000\"\n    tls {", "}\n}\n}", map[string]string{
			"certificate": `"/etc/ssl/web.pem"`, "key": `"/etc/ssl/web.key"`}),
	},
	"webserver": {base("webserver {", "  app \"shop.test\" {\n    upstream = \"100.64.10.2:9000\"\n  }\n}", map[string]string{"server": `"s1"`})},
	"webserver.app": {base("webserver {\n  server = \"s1\"\n  app \"shop.test\" {", "}\n}", map[string]string{
		"upstream": `"100.64.10.2:9000"`})},
	"vip": {base("vip {", "}", map[string]string{"address": `"198.51.100.100"`, "servers": `["s1", "s2"]`,
		"track": `"/usr/bin/pgrep -x haproxy"`})},
	"database": {
		base(`database "mariadb" {`, "}", map[string]string{"server": `"s1"`, "name": `"wp"`}),
		base(`database "postgresql" {`, "}", map[string]string{"server": `"s1"`, "name": `"wp"`}),
	},
	"container":           {base(`container "c1" {`, "}", map[string]string{"template": `"busybox"`})},
	"container.interface": {base("container \"c1\" {\n  template = \"busybox\"\n  interface \"vx1\" {", "}\n}", nil)},
	"container.service": {base("container \"c1\" {\n  template = \"busybox\"\n  service \"web\" {", "}\n}", map[string]string{
		"port": "80"})},
	"job":            {{prefix: ctrBase, open: `job "j1" {`, close: "}", attrs: map[string]string{"container": `"c1"`, "network": `"vx1"`}}},
	"consul":         {base("consul {", "}\n"+strings.TrimPrefix(consulBase, "consul {}\n"), nil)},
	"endpoint":       {{prefix: "consul {}\n", open: `endpoint "e1" {`, close: "}", attrs: map[string]string{"server": `"s1"`, "network": `"vx1"`, "address": `"100.64.10.5"`}}},
	"consul_service": {{prefix: consulBase, open: `consul_service "cs" {`, close: "}", attrs: map[string]string{"address": `"100.64.10.1"`, "port": "53"}}},
	"consul_check": {{prefix: consulBase + "consul_service \"cs\" {\n  address = \"100.64.10.1\"\n  port = 53\n}\n",
		open: `consul_check "cc" {`, close: "}", attrs: map[string]string{"tcp": `"100.65.1.20:9000"`}}},
	"file":      {base(`file "f" {`, "}", map[string]string{"path": `"/etc/x"`, "content": `"x"`})},
	"template":  {base(`template "t" {`, "}", map[string]string{"path": `"/etc/t"`, "source": tmplBase})},
	"directory": {base(`directory "d" {`, "}", map[string]string{"path": `"/opt/x"`})},
	"symlink":   {base(`symlink "l" {`, "}", map[string]string{"path": `"/opt/l"`, "target": `"/opt/x"`})},
	"line":      {base(`line "l" {`, "}", map[string]string{"path": `"/etc/x"`, "line": `"a=1"`})},
	"package":   {base(`package "nginx" {`, "}", nil)},
	"service":   {base(`service "web" {`, "}", map[string]string{"command": `"sleep 1000"`})},
	"sysctl":    {base(`sysctl "s" {`, "}", map[string]string{"key": `"vm.swappiness"`, "value": `"1"`})},
	"user":      {base(`user "app" {`, "}", nil)},
	"group":     {base(`group "app" {`, "}", nil)},
	"command":   {base(`command "c" {`, "}", map[string]string{"command": `"true"`})},
	"meta":      {base(`file "m" {`, "}", map[string]string{"path": `"/etc/m"`, "content": `"x"`})},
}

// checkInert compares what the payload expands to with what the valid
// value expands to, and has the daemons parse the payload's configs.
func checkInert(t *testing.T, c, ref *lang.Cluster, value string) {
	got, err := modules.Expand(c, payloadFacts(c))
	if err != nil {
		t.Fatalf("expand: %v", err)
	}
	want, err := modules.Expand(ref, payloadFacts(ref))
	if err != nil {
		t.Fatalf("expand the reference: %v", err)
	}
	for name, h := range got.Hosts {
		w := want.Hosts[name]
		if w == nil || len(w.Resources) != len(h.Resources) {
			t.Errorf("%s: the payload %q changes the resources: %d, not %d", name, value, len(h.Resources), len(w.Resources))
			continue
		}
		for i, r := range h.Resources {
			if r.Kind != w.Resources[i].Kind {
				t.Errorf("%s: resource %d is a %s, not a %s", name, i, r.Kind, w.Resources[i].Kind)
				continue
			}
			if r.Attrs["content"] == w.Resources[i].Attrs["content"] {
				continue // the payload does not reach this config
			}
			if prog := daemonCheck(r); prog != "" {
				sameDirectives(t, r, w.Resources[i])
				parseWithDaemon(t, r, prog)
			}
		}
	}
}

// daemonCheck is the daemon program that checks r, "" for resources that
// are not daemon configs.
func daemonCheck(r core.Resource) string {
	if r.Kind == "nft" {
		return "nft"
	}
	if r.Kind != "file" || !strings.HasPrefix(r.Attrs["path"], "/etc/drover/") {
		return "" // a user's own file is checked by the user's own command
	}
	for _, prog := range []string{"haproxy", "nginx", "keepalived", "bird", "dnsmasq"} {
		if strings.HasPrefix(r.Attrs["check"], prog+" ") {
			return prog
		}
	}
	return ""
}

// sameDirectives: the payload's config has as many lines as the
// reference's, each starting with the same word.
func sameDirectives(t *testing.T, got, want core.Resource) {
	g, w := strings.Split(got.Attrs["content"], "\n"), strings.Split(want.Attrs["content"], "\n")
	if len(g) != len(w) {
		t.Errorf("%s has %d lines, not %d:\n%s", got.ID(), len(g), len(w), got.Attrs["content"])
		return
	}
	for i := range g {
		gf, wf := strings.Fields(g[i]), strings.Fields(w[i])
		if len(gf) != len(wf) || len(gf) > 0 && gf[0] != wf[0] {
			t.Errorf("%s line %d is %q, not like %q", got.ID(), i+1, g[i], w[i])
		}
	}
}

// parseWithDaemon writes the config and has its daemon check it, in a
// network namespace of its own where nginx may bind any address.
func parseWithDaemon(t *testing.T, r core.Resource, prog string) {
	if _, err := exec.LookPath(prog); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (make deps installs it)", prog)
		}
		testkit.Skipf(t, "%s not installed", prog)
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s's check needs root", prog)
		}
		testkit.Skip(t, "daemon checks need root")
	}
	path := filepath.Join(t.TempDir(), "conf")
	content := r.Attrs["content"]
	argv := strings.Fields(strings.ReplaceAll(r.Attrs["check"], "{}", path))
	if prog == "nft" {
		content = fmt.Sprintf("table %s %s {}\ndelete table %s %s\n%s\n", r.Attrs["family"], r.Attrs["table"], r.Attrs["family"], r.Attrs["table"], content)
		argv = []string{"nft", "-c", "-f", path}
	}
	content = withTestCertificates(t, content)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	// A network namespace where nginx may bind the declared addresses and
	// keepalived finds eth0, and a mount namespace whose /run and /var/log
	// are empty tmpfs, so that nothing is written on this machine.
	script := `sysctl -qw net.ipv4.ip_nonlocal_bind=1; ip link set lo up; ip link add eth0 type veth peer name eth0p && ip link set eth0 up
mount -t tmpfs dvv-run /run && mount -t tmpfs dvv-log /var/log && mkdir -p /run/drover /var/log/drover /var/log/nginx && exec "$@"`
	cmd := exec.Command("unshare", append([]string{"-n", "-m", "--propagation", "private", "sh", "-c", script, "sh"}, argv...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s rejects %s: %v\n%s\n%s", prog, r.ID(), err, out, content)
	}
	parsedConfigs++
}

// certDirectives are the directives that name a certificate or key file
// the daemon loads while it checks its config.
var certDirectives = regexp.MustCompile(`(ssl_certificate_key|ssl_certificate|crt) (/[^;\s]+)`)

// withTestCertificates points the config's certificate and key files at
// a throwaway self-signed pair (the declared files are not on this
// machine); only those paths change.
func withTestCertificates(t *testing.T, content string) string {
	return certDirectives.ReplaceAllStringFunc(content, func(m string) string {
		dir, _ := testCert(t)
		d := certDirectives.FindStringSubmatch(m)
		file := map[string]string{"ssl_certificate_key": "key.pem", "ssl_certificate": "cert.pem", "crt": "bundle.pem"}[d[1]]
		return d[1] + " " + filepath.Join(dir, file)
	})
}

// certDir holds the test certificate, removed by TestMain.
var certDir string

// testCert makes the self-signed certificate once per test binary.
var testCert = func() func(t *testing.T) (string, error) {
	var once sync.Once
	var dir string
	var err error
	return func(t *testing.T) (string, error) {
		once.Do(func() {
			defer func() { certDir = dir }()
			dir, err = os.MkdirTemp("", "dvv-cert-")
			if err != nil {
				return
			}
			out, e := exec.Command("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
				"-nodes", "-days", "1", "-subj", "/CN=shop.test", "-keyout", filepath.Join(dir, "key.pem"),
				"-out", filepath.Join(dir, "cert.pem")).CombinedOutput()
			if e != nil {
				err = fmt.Errorf("openssl: %v: %s", e, out)
				return
			}
			cert, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
			key, _ := os.ReadFile(filepath.Join(dir, "key.pem"))
			err = os.WriteFile(filepath.Join(dir, "bundle.pem"), append(cert, key...), 0o600)
		})
		if err != nil {
			t.Fatal(err)
		}
		return dir, nil
	}
}()

// payloadFacts are facts of every server, so that configs render fully.
func payloadFacts(c *lang.Cluster) map[string]*core.Facts {
	out := map[string]*core.Facts{}
	for _, s := range c.Servers {
		out[s.Name] = &core.Facts{Hostname: s.Name, Arch: "amd64", Init: "none",
			LinkKinds:  []string{"bridge", "vxlan", "veth", "wireguard", "gre", "ipip", "gretap"},
			Interfaces: []core.Interface{{Name: "eth0", MTU: 1500, Up: true, Addrs: []string{s.Address + "/24"}}}}
	}
	return out
}

// TestPayloadBasesParse has the daemons parse every distinct config the
// payload bases render with valid values, so that the configs the
// payloads are compared with are themselves valid and every parser the
// payload test relies on is present (in CI, missing is a failure).
func TestPayloadBasesParse(t *testing.T) {
	seen := map[string]bool{}
	progs := map[string]int{}
	for _, a := range lang.AttributeGrammars(modules.Kinds()) {
		if a.Exempt {
			continue
		}
		for _, b := range payloadBases[a.Block] {
			src, _ := b.render(a, baseValue(a))
			c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(src), "t.tmpl": []byte("x\n")}, lang.Options{Kinds: modules.Kinds()})
			if diags.HasErrors() {
				t.Fatalf("%s.%s: %s\n%s", a.Block, a.Name, diags.Error(), src)
			}
			d, err := modules.Expand(c, payloadFacts(c))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range d.Hosts {
				for _, r := range h.Resources {
					prog := daemonCheck(r)
					if prog == "" || seen[prog+r.Attrs["content"]] {
						continue
					}
					seen[prog+r.Attrs["content"]] = true
					progs[prog]++
					parseWithDaemon(t, r, prog)
				}
			}
		}
	}
	for _, prog := range []string{"haproxy", "nginx", "keepalived", "bird", "dnsmasq", "nft"} {
		if progs[prog] == 0 {
			t.Errorf("no base renders a %s config", prog)
		}
	}
	t.Logf("configs parsed: %v", progs)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if certDir != "" {
		os.RemoveAll(certDir)
	}
	os.Exit(code)
}

package lang

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// load loads sources and fails the test on any diagnostic.
func load(t *testing.T, opts Options, files map[string]string) *Cluster {
	t.Helper()
	srcs := map[string][]byte{}
	for name, src := range files {
		srcs[name] = []byte(src)
	}
	c, diags := testLoadFiles(srcs, opts)
	if len(diags) > 0 {
		var b bytes.Buffer
		WriteDiagnostics(&b, c.Files, diags, false)
		t.Fatalf("unexpected diagnostics:\n%s", b.String())
	}
	return c
}

// loadErrors loads sources that must fail and returns the summaries.
func loadErrors(t *testing.T, opts Options, files map[string]string) hcl.Diagnostics {
	t.Helper()
	srcs := map[string][]byte{}
	for name, src := range files {
		srcs[name] = []byte(src)
	}
	_, diags := testLoadFiles(srcs, opts)
	if !diags.HasErrors() {
		t.Fatal("expected errors, got none")
	}
	return diags
}

// withoutRanges drops source ranges so that models compare by value.
func withoutRanges(c *Cluster) *Cluster {
	out := *c
	out.Files, out.Dir = nil, ""
	out.serverAt = nil // an index of Servers, not part of the model
	out.SSH.DeclRange = hcl.Range{}
	out.Servers, out.Networks = nil, nil
	for _, s := range c.Servers {
		s2 := *s
		s2.DeclRange, s2.AddressRange = hcl.Range{}, hcl.Range{}
		s2.SSH.DeclRange = hcl.Range{}
		out.Servers = append(out.Servers, &s2)
	}
	for _, n := range c.Networks {
		n2 := *n
		n2.DeclRange = hcl.Range{}
		v := *vxlanOf(n)
		v.Members = nil
		for _, m := range vxlanOf(n).Members {
			m.DeclRange = hcl.Range{}
			v.Members = append(v.Members, m)
		}
		n2.Spec = &v
		out.Networks = append(out.Networks, &n2)
	}
	return &out
}

func TestLoadFullExample(t *testing.T) {
	dir := filepath.Join("testdata", "valid", "full")
	c, diags := testLoad(dir, Options{})
	if len(diags) > 0 {
		var b bytes.Buffer
		WriteDiagnostics(&b, c.Files, diags, false)
		t.Fatalf("unexpected diagnostics:\n%s", b.String())
	}
	written := map[string]bool{"user": true, "port": true, "identity_file": true, "agent": true, "known_hosts": true,
		"trust_on_first_use": true, "jump": true, "become": true, "timeout": true}
	clusterSSH := SSH{User: "root", Port: 22, IdentityFile: "~/.ssh/id_ed25519", Agent: true, KnownHosts: "~/.ssh/known_hosts",
		Jump: "admin@203.0.113.9:22", Become: true, Timeout: 15 * time.Second,
		Jumps: []string{"admin@203.0.113.9:22"}, Explicit: written}
	s1SSH := clusterSSH
	s1SSH.User, s1SSH.Port = "admin", 2222
	want := &Cluster{
		SSH: clusterSSH,
		Servers: []*Server{
			{Name: "s1", Address: "198.51.100.1", Connect: "198.51.100.1", Interface: "eth0", Subnet: "100.65.1.0/24", Bridge: "cbr0", DHCP: true,
				Domain: "app", Labels: map[string]string{"role": "web"}, User: "admin", Port: 2222, SSH: s1SSH},
			{Name: "s2", Address: "198.51.100.2", Connect: "198.51.100.2", Subnet: "100.65.2.0/24", Bridge: "cbr0", DHCP: true, Domain: "app",
				Labels: map[string]string{"role": "web", "zone": "b"}, User: "root", Port: 22, SSH: clusterSSH},
			{Name: "s3", Address: "198.51.100.3", Connect: "198.51.100.3", Bridge: "cbr0", DHCP: false, Domain: "app3", Labels: map[string]string{},
				User: "root", Port: 22, SSH: clusterSSH},
			{Name: "s4", Address: "203.0.113.4", Connect: "203.0.113.4", Bridge: "cbr0", DHCP: true, Domain: "app", Labels: map[string]string{},
				User: "root", Port: 22, SSH: clusterSSH},
			{Name: "local", Local: true, Bridge: "cbr0", DHCP: true, Domain: "app", Labels: map[string]string{},
				User: "root", Port: 22, SSH: clusterSSH},
		},
		Networks: []*Network{
			{Name: "vx1", Kind: "vxlan", Spec: &VXLAN{Subnet: "100.64.10.0/24", Bridge: "vxl0", VNI: 42, Port: 4789,
				Group: "239.1.1.1", MTU: 1450, DHCP: true, DHCPHost: "s1", Domain: "vxapp", Masquerade: true,
				// Addresses not given are derived from the servers' ("local" has none yet).
				Members: []Member{{Server: "s1", Address: "100.64.10.1"}, {Server: "s2", Interface: "eth1", Address: "100.64.10.2"},
					{Server: "s3", Address: "100.64.10.3"}, {Server: "local"},
					{Server: "s4", Interface: "eth1", Address: "100.64.10.40"}}}},
			{Name: "vx2", Kind: "vxlan", Spec: &VXLAN{Subnet: "100.64.11.0/24", Bridge: "vxl1", VNI: 43, Port: 4789,
				DHCP: true, DHCPHost: "s1", Domain: "vxapp", Masquerade: true,
				Members: []Member{{Server: "s1", Address: "100.64.11.1"}, {Server: "s2", Address: "100.64.11.2"}}}},
		},
	}
	if got := withoutRanges(c); !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", "  ")
		wj, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("model differs\n got: %s\nwant: %s", gj, wj)
	}
	if c.Dir != dir || len(c.Files) != 3 {
		t.Errorf("Dir %q, %d files; want %q and 3", c.Dir, len(c.Files), dir)
	}
	// Ranges point at the source: the declaring block and each member.
	s2 := c.Server("s2")
	if r := s2.DeclRange; r.Filename != filepath.Join(dir, "b_servers.hcl") || r.Start.Line != 15 {
		t.Errorf("s2 DeclRange = %v", r)
	}
	if r := vxlanOf(c.Networks[0]).Members[1].DeclRange; r.Start.Line != 13 || r.Start.Column != 23 {
		t.Errorf(`member "s2:eth1" DeclRange = %v, want line 13 column 23`, r)
	}
	if r := vxlanOf(c.Networks[0]).Members[4].DeclRange; r.Start.Line != 14 || r.Start.Column != 3 {
		t.Errorf(`member block s4 DeclRange = %v, want line 14 column 3`, r)
	}
}

func TestPlaybookVXLAN(t *testing.T) {
	c, diags := testLoad(filepath.Join("..", "playbooks", "vxlan"), Options{})
	if len(diags) > 0 {
		var b bytes.Buffer
		WriteDiagnostics(&b, c.Files, diags, false)
		t.Fatalf("playbooks/vxlan does not load:\n%s", b.String())
	}
	if len(c.Servers) != 3 || len(c.Networks) != 1 || vxlanOf(c.Networks[0]).DHCPHost != "s1" {
		t.Errorf("unexpected playbook model: %d servers, %d networks", len(c.Servers), len(c.Networks))
	}
	for i, s := range c.Servers {
		if want := "100.65." + string(rune('1'+i)) + ".0/24"; s.Subnet != want {
			t.Errorf("server %s subnet %q, want %q", s.Name, s.Subnet, want)
		}
	}
}

func TestDefaults(t *testing.T) {
	c := load(t, Options{}, map[string]string{"a.hcl": `
server "s1" { address = "198.51.100.1" }
network "vxlan" "vx1" {
  subnet = "100.64.10.0/24"
  member "s1" {}
}
`})
	wantSSH := SSH{User: "root", Port: 22, Agent: true, KnownHosts: "~/.ssh/known_hosts", Become: true, Timeout: 10 * time.Second}
	if !reflect.DeepEqual(c.SSH, wantSSH) {
		t.Errorf("ssh defaults = %+v", c.SSH)
	}
	s := c.Servers[0]
	if s.Bridge != "cbr0" || !s.DHCP || s.Domain != "app" || s.User != "root" || s.Port != 22 || s.Local || len(c.Servers) != 1 {
		t.Errorf("server defaults = %+v", s)
	}
	v := vxlanOf(c.Networks[0])
	want := VXLAN{Subnet: "100.64.10.0/24", Bridge: "vxl0", VNI: 42, Port: 4789, DHCP: true, DHCPHost: "s1",
		Domain: "vxapp", Masquerade: true, Members: v.Members}
	if !reflect.DeepEqual(*v, want) {
		t.Errorf("vxlan defaults = %+v", *v)
	}
}

func TestOrderKept(t *testing.T) {
	c := load(t, Options{}, map[string]string{
		"b.hcl": `server "b2" { address = "198.51.100.4" }
server "b1" { address = "198.51.100.3" }`,
		"a.hcl": `server "a2" { address = "198.51.100.2" }
server "a1" { address = "198.51.100.1" }
network "vxlan" "z" {
  subnet  = "100.64.10.0/24"
  servers = ["b1", "a2"]
  member "a1" {}
}
network "vxlan" "y" {
  subnet  = "100.64.11.0/24"
  bridge  = "vxl1"
  vni     = 2
  servers = ["a1"]
}`,
	})
	var names []string
	for _, s := range c.Servers {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "a2 a1 b2 b1" {
		t.Errorf("servers in order %q, want file then position order", got)
	}
	if c.Networks[0].Name != "z" || c.Networks[1].Name != "y" {
		t.Errorf("networks out of order")
	}
	if got := memberNames(vxlanOf(c.Networks[0]).Members); !reflect.DeepEqual(got, []string{"b1", "a2", "a1"}) {
		t.Errorf("members %v, want servers entries then member blocks", got)
	}
	if vxlanOf(c.Networks[0]).DHCPHost != "b1" {
		t.Errorf("dhcp_host default %q, want the first member b1", vxlanOf(c.Networks[0]).DHCPHost)
	}
}

func TestVars(t *testing.T) {
	src := map[string]string{"a.hcl": `
variable "base" {
  type    = string
  default = "100.64.0.0/16"
}
variable "vni" { default = 42 }
variable "raw" { type = string }
variable "names" { type = list(string) }
variable "any" {}
server "s1" {
  address = "198.51.100.1"
  domain  = var.raw
  labels  = { any = var.any }
}
server "s2" { address = "198.51.100.2" }
network "vxlan" "vx1" {
  subnet  = cidrsubnet(var.base, 8, 10)
  vni     = var.vni
  servers = var.names
}
`}
	c := load(t, Options{Vars: map[string]string{
		"base": "100.72.0.0/16", "vni": "7", "raw": "app1", "names": `["s2", "s1"]`, "any": "10/2x",
	}}, src)
	v := vxlanOf(c.Networks[0])
	if v.Subnet != "100.72.10.0/24" || v.VNI != 7 || v.DHCPHost != "s2" {
		t.Errorf("vars not applied: %+v", *v)
	}
	if s := c.Servers[0]; s.Domain != "app1" || s.Labels["any"] != "10/2x" {
		t.Errorf("string vars not taken as written: %+v", s)
	}
	diags := loadErrors(t, Options{Vars: map[string]string{"names": `["s1"]`, "vni": "x"}}, src)
	want := []string{
		"a.hcl:7:1: No value for required variable",
		"a.hcl:9:1: No value for required variable",
		"a.hcl:18:13: Incorrect attribute value type",
	}
	if got := describeErrors(diags); !matchAll(got, want) {
		t.Errorf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLocalServerOnlyWhenReferenced(t *testing.T) {
	c := load(t, Options{}, map[string]string{"a.hcl": `server "s1" { address = "198.51.100.1" }`})
	if c.Server(LocalServer) != nil {
		t.Error(`"local" server added without a reference`)
	}
	c = load(t, Options{}, map[string]string{"a.hcl": `
server "s1" { address = "198.51.100.1" }
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = ["local:eth1", "s1"]
}`})
	if l := c.Server(LocalServer); l == nil || !l.Local || c.Servers[len(c.Servers)-1] != l {
		t.Errorf(`"local" server missing or not last: %+v`, c.Servers)
	}
	if m := vxlanOf(c.Networks[0]).Members[0]; m.Server != LocalServer || m.Interface != "eth1" {
		t.Errorf("local member = %+v", m)
	}
}

func TestReferencesAcrossDeclarations(t *testing.T) {
	c := load(t, Options{}, map[string]string{"a.hcl": `
locals {
  nets = keys(network)
}
server "s1" {
  address = "198.51.100.1"
  labels  = { nets = join(",", local.nets), vx = network.vx1.subnet, bridge = network.vx1.bridge }
}
server "s2" {
  address = cidrhost("198.51.100.0/24", length(local.nets) + 1)
}
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = ["s1", "s2"]
  mtu     = max(576, 1500 - 50)
}
`})
	if got := c.Server("s1").Labels; got["nets"] != "vx1" || got["vx"] != "100.64.10.0/24" || got["bridge"] != "vxl0" {
		t.Errorf("labels = %v", got)
	}
	if c.Server("s2").Address != "198.51.100.2" {
		t.Errorf("s2 address = %q", c.Server("s2").Address)
	}
	if vxlanOf(c.Networks[0]).MTU != 1450 {
		t.Errorf("mtu = %d", vxlanOf(c.Networks[0]).MTU)
	}
}

func TestCycleReportedOnce(t *testing.T) {
	diags := loadErrors(t, Options{}, map[string]string{"a.hcl": `
locals {
  a = [local.b, local.c, server.s1.address]
  b = local.c
  c = local.a
}
server "s1" {
  address = local.b
}
`})
	if len(diags) != 1 || diags[0].Summary != "Reference cycle" {
		t.Fatalf("want one cycle diagnostic, got %v", describeErrors(diags))
	}
	if !strings.Contains(diags[0].Detail, "local.a -> local.c -> local.a") {
		t.Errorf("cycle detail = %q", diags[0].Detail)
	}
}

func TestFunctions(t *testing.T) {
	c := load(t, Options{}, map[string]string{"a.hcl": `
locals {
  subnets = cidrsubnets("100.64.0.0/16", 8, 8)
  labels = {
    lookup   = lookup({ a = "x" }, "b", "dflt")
    replace  = replace("eth0.100", "/\\.(\\d+)/", "-$1")
    literal  = replace("a.b", ".", "_")
    mask     = cidrnetmask("100.64.0.0/10")
    upper    = upper(format("%s-%d", "s", 1))
    try      = try(tonumber("x"), "fallback")
    json     = jsonencode({ a = [1, 2] })
    flat     = join(",", flatten([["a"], ["b", "c"]]))
    distinct = join(",", distinct(concat(["a"], ["a", "b"])))
    coalesce = coalesce(null, "c")
    regex    = regex("^s([0-9]+)$", "s12")[0]
    elem     = element(split(",", "x,y"), 1)
    contains = tostring(contains(["a"], "a"))
    min      = tostring(min(3, 1, 2))
    range    = join(",", [for i in range(3) : tostring(i)])
    decoded  = jsondecode("{\"k\": \"v\"}").k
    merged   = lookup(merge({ a = "1" }, { a = "2" }), "a", "")
    values   = join(",", values({ a = "1", b = "2" }))
  }
}
server "s1" {
  address = "198.51.100.1"
  subnet  = local.subnets[1]
  labels  = local.labels
}
`})
	want := map[string]string{
		"lookup": "dflt", "replace": "eth0-100", "literal": "a_b", "mask": "255.192.0.0", "upper": "S-1",
		"try": "fallback", "json": `{"a":[1,2]}`, "flat": "a,b,c", "distinct": "a,b", "coalesce": "c",
		"regex": "12", "elem": "y", "contains": "true", "min": "1", "range": "0,1,2", "decoded": "v",
		"merged": "2", "values": "1,2",
	}
	s := c.Server("s1")
	if !reflect.DeepEqual(s.Labels, want) {
		t.Errorf("labels =\n%v\nwant\n%v", s.Labels, want)
	}
	if s.Subnet != "100.64.1.0/24" {
		t.Errorf("subnet = %q", s.Subnet)
	}
}

func TestLoadDirErrors(t *testing.T) {
	_, diags := testLoad(filepath.Join(t.TempDir(), "missing"), Options{})
	if !diags.HasErrors() || diags[0].Summary != "Cannot read configuration folder" {
		t.Errorf("missing dir: %v", describeErrors(diags))
	}
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, diags := testLoad(empty, Options{})
	if !diags.HasErrors() || diags[0].Summary != "No configuration files" || c == nil || c.Files == nil {
		t.Errorf("empty dir: %v", describeErrors(diags))
	}
}

func TestFilesReturnedWithErrors(t *testing.T) {
	c, diags := testLoadFiles(map[string][]byte{"a.hcl": []byte(`server "s1" { address = "10.x" }`)}, Options{})
	if !diags.HasErrors() || c == nil || c.Files["a.hcl"] == nil {
		t.Fatal("files must come back with errors")
	}
	var b bytes.Buffer
	WriteDiagnostics(&b, c.Files, diags, false)
	out := b.String()
	for _, want := range []string{"Error: Invalid IP address", "on a.hcl:1:25", `server "s1" { address = "10.x" }`} {
		if !strings.Contains(out, want) {
			t.Errorf("diagnostic text lacks %q:\n%s", want, out)
		}
	}
}

func TestDiagnosticsJSON(t *testing.T) {
	_, diags := testLoadFiles(map[string][]byte{"a.hcl": []byte("server \"s1\" {\n  address = \"10.x\"\n}\n")}, Options{Vars: map[string]string{"nope": "1"}})
	out, err := json.Marshal(DiagnosticsJSON(diags))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"severity":"error","summary":"Value for undeclared variable","detail":"A value was given for variable \"nope\", but no file declares it. Declare it with variable \"nope\" {}, or drop the setting."},` +
		`{"severity":"error","summary":"Invalid IP address","detail":"\"10.x\" is not an IP address; write an IPv4 or IPv6 address such as \"198.51.100.1\".",` +
		`"range":{"filename":"a.hcl","start":{"line":2,"column":13,"byte":26},"end":{"line":2,"column":19,"byte":32}}}]`
	if string(out) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", out, want)
	}
	if empty, _ := json.Marshal(DiagnosticsJSON(nil)); string(empty) != "[]" {
		t.Errorf("no diagnostics encode as %s, want []", empty)
	}
}

func TestWholeRootReference(t *testing.T) {
	c := load(t, Options{}, map[string]string{"a.hcl": `
locals {
  names = [for s in server : s.name if s.labels.role == "web"]
}
server "s1" {
  address = "198.51.100.1"
  labels  = { role = "web" }
}
server "s2" {
  address = "198.51.100.2"
  labels  = { role = "db" }
}
server "s3" {
  address = "198.51.100.3"
  labels  = { role = "web" }
}
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = local.names
}
`})
	if got := memberNames(vxlanOf(c.Networks[0]).Members); !reflect.DeepEqual(got, []string{"s1", "s3"}) {
		t.Errorf("members = %v", got)
	}
}

func TestEnvVars(t *testing.T) {
	src := map[string]string{"a.hcl": `
variable "vni" { default = 1 }
server "s1" { address = "198.51.100.1" }
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  vni     = var.vni
  servers = ["s1"]
}`}
	c := load(t, Options{EnvVars: map[string]string{"vni": "5", "unrelated": "x"}}, src)
	if vxlanOf(c.Networks[0]).VNI != 5 {
		t.Errorf("environment value not used: vni %d", vxlanOf(c.Networks[0]).VNI)
	}
	c = load(t, Options{Vars: map[string]string{"vni": "6"}, EnvVars: map[string]string{"vni": "5"}}, src)
	if vxlanOf(c.Networks[0]).VNI != 6 {
		t.Errorf("-var must override the environment: vni %d", vxlanOf(c.Networks[0]).VNI)
	}
}

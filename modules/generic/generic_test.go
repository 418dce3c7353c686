package generic

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

func load(t *testing.T, src string, extra map[string]string) *lang.Cluster {
	t.Helper()
	files := map[string][]byte{"a.hcl": []byte(`
server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
` + src)}
	for k, v := range extra {
		files[k] = []byte(v)
	}
	c, diags := lang.LoadFiles(files, lang.Options{Kinds: itemKinds()})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	return c
}

// itemKinds are the host declaration types, registered as modules.Kinds
// does (which this package cannot import).
func itemKinds() *lang.Kinds {
	k := lang.NewKinds()
	for _, typ := range Types() {
		k.AddItem(typ.Kind)
	}
	return k
}

func flatten(sets []*blocks.Set) []core.Resource {
	var out []core.Resource
	for _, s := range sets {
		out = append(out, s.Resources...)
	}
	return out
}

func facts(name string) *core.Facts {
	return &core.Facts{Hostname: name, Arch: "amd64", Init: "none", Interfaces: []core.Interface{{Name: "eth0", MTU: 1500, Up: true}}}
}

const app = `
file "conf" {
  path    = "/etc/app.conf"
  content = var.conf
  servers = ["s1"]
}
variable "conf" { default = "a=1\n" }

service "app" {
  command = "sleep 1000"
  watch   = [file.conf]
  servers = ["s1"]
}

directory "data" {
  path = "/var/lib/app"
}

command "init" {
  command    = "touch /var/lib/app/.init"
  creates    = "/var/lib/app/.init"
  depends_on = [directory.data, file.conf]
}

template "hosts" {
  path   = "/etc/hosts.app"
  source = "hosts.tmpl"
}

sysctl "fwd" {
  key   = "net.ipv4.ip_forward"
  value = "1"
}
`

func TestExpand(t *testing.T) {
	c := load(t, app, map[string]string{"hosts.tmpl": "{{ .facts.hostname }} {{ (index .facts.interfaces 0).mtu }}\n"})
	out, err := Expand(c, map[string]*core.Facts{"s1": facts("s1"), "s2": facts("s2")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range flatten(out["s2"]) {
		got = append(got, r.ID()+" after="+strings.Join(r.After, ","))
	}
	want := []string{
		"directory//var/lib/app after=",
		"exec/init after=directory//var/lib/app,s1:file//etc/app.conf",
		"file//etc/hosts.app after=",
		"sysctl/net.ipv4.ip_forward after=",
		"file//etc/sysctl.d/90-drover-net.ipv4.ip_forward.conf after=sysctl/net.ipv4.ip_forward",
	}
	if !slices.Equal(got, want) {
		t.Errorf("s2 resources:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s2 := flatten(out["s2"])
	if c := s2[2].Attrs["content"]; c != "s2 1500\n" {
		t.Errorf("template rendered %q", c)
	}
	key := func(conf string) string {
		c := load(t, app+fmt.Sprintf("\nlocals { x = %q }\n", conf), map[string]string{"hosts.tmpl": "x\n"})
		c.Items[0].Settings["content"] = conf
		out, err := Expand(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range flatten(out["s1"]) {
			if r.Kind == "service" {
				return r.Attrs["restart_key"]
			}
		}
		t.Fatal("no service")
		return ""
	}
	if k1, k2 := key("a=1\n"), key("a=2\n"); k1 == k2 || k1 == "" {
		t.Errorf("restart keys %q and %q: a changed file must change it", k1, k2)
	}
}

func TestOfflineTemplateUnknown(t *testing.T) {
	c := load(t, app, map[string]string{"hosts.tmpl": "x\n"})
	out, err := Expand(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range flatten(out["s1"]) {
		if r.ID() == "file//etc/hosts.app" && r.Attrs["content"] != core.Unknown {
			t.Errorf("offline template content = %q", r.Attrs["content"])
		}
	}
}

func TestTemplateFactKeys(t *testing.T) {
	m, err := TemplateFacts(&core.Facts{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !slices.Equal(keys, lang.TemplateFactKeys) {
		t.Errorf("facts keys %v, lang documents %v", keys, lang.TemplateFactKeys)
	}
	ph := lang.PlaceholderFacts(nil)
	for _, k := range lang.TemplateFactKeys {
		if _, ok := ph[k]; !ok {
			t.Errorf("placeholder facts lack %q", k)
		}
	}
}

// TestSelfNotifyStaysOnItsServer: a file that reads self has one item per
// server; the service it notifies on s1 comes after s1's file only, not
// after s2's (which is no dependency of s1's service).
func TestSelfNotifyStaysOnItsServer(t *testing.T) {
	c := load(t, `
file "app" {
  servers = ["s1", "s2"]
  path    = "/etc/app.conf"
  content = "host ${self.name}\n"
  notify  = [service.app]
}
service "app" {
  servers = ["s1", "s2"]
  command = "/usr/bin/app"
}
`, nil)
	out, err := Expand(c, map[string]*core.Facts{"s1": facts("s1"), "s2": facts("s2")})
	if err != nil {
		t.Fatal(err)
	}
	for _, server := range []string{"s1", "s2"} {
		for _, r := range flatten(out[server]) {
			for _, a := range r.After {
				if strings.Contains(a, ":") {
					t.Errorf("%s %s comes after %s, on another server", server, r.ID(), a)
				}
			}
			if r.Kind == "service" && !slices.Contains(r.After, "file//etc/app.conf") {
				t.Errorf("%s %s after %v, want after its own file", server, r.ID(), r.After)
			}
		}
	}
}

package lang

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func loadOK(t *testing.T, files map[string]string) *Cluster {
	t.Helper()
	in := map[string][]byte{}
	for k, v := range files {
		in[k] = []byte(v)
	}
	c, diags := testLoadFiles(in, Options{})
	if diags.HasErrors() {
		var b bytes.Buffer
		WriteDiagnostics(&b, c.Files, diags, false)
		t.Fatalf("diagnostics:\n%s", b.String())
	}
	return c
}

const genericServers = `
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
`

func TestGenericItems(t *testing.T) {
	c := loadOK(t, map[string]string{
		"a.hcl": genericServers + `
locals { dirs = ["/opt/app", "/opt/data"] }

directory "app" {
  for_each = local.dirs
  path     = each.value
  mode     = "0750"
}

file "conf" {
  path    = "${directory.app["/opt/app"].path}/app.conf"
  source  = "files/app.conf"
  where   = { role = "web" }
  notify  = [service.app]
}

line "ports" {
  for_each = { http = 80, https = 443 }
  path     = "/etc/app/ports"
  line     = "${each.key}=${each.value}"
  regexp   = "^${each.key}="
  servers  = ["s2"]
}

user "workers" {
  count  = 2
  name   = "worker${count.index}"
  groups = ["adm", "users"]
  uid    = 2000 + count.index
}

service "app" {
  command    = "sleep 1000"
  servers    = ["s3", "s1"]
  depends_on = [user.workers]
}

template "hosts" {
  path   = "/etc/hosts.drover"
  source = "hosts.tmpl"
  vars   = { domain = "lab", ports = [80, 443] }
}
`,
		"files/app.conf": "key = value\n",
		"hosts.tmpl":     "{{ range .servers }}{{ .address }} {{ .name }}.{{ $.vars.domain }}\n{{ end }}",
	})
	var got []string
	for _, it := range c.Items {
		got = append(got, fmt.Sprintf("%s %v after=%v watch=%v", it.Address(), it.Servers, it.After, it.Watch))
	}
	want := []string{
		`directory.app["/opt/app"] [s1 s2 s3] after=[] watch=[]`,
		`directory.app["/opt/data"] [s1 s2 s3] after=[] watch=[]`,
		`file.conf [s1 s3] after=[directory.app] watch=[]`,
		`line.ports["http"] [s2] after=[] watch=[]`,
		`line.ports["https"] [s2] after=[] watch=[]`,
		`user.workers[0] [s1 s2 s3] after=[] watch=[]`,
		`user.workers[1] [s1 s2 s3] after=[] watch=[]`,
		`service.app [s1 s3] after=[user.workers file.conf] watch=[file.conf]`,
		`template.hosts [s1 s2 s3] after=[] watch=[]`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	byAddr := map[string]*Item{}
	for _, it := range c.Items {
		byAddr[it.Address()] = it
	}
	checks := map[string]string{
		`directory.app["/opt/data"] mode`: "0750",
		`file.conf path`:                  "/opt/app/app.conf",
		`file.conf content`:               "key = value\n",
		`line.ports["https"] line`:        "https=443",
		`line.ports["https"] regexp`:      "^https=",
		`user.workers[1] name`:            "worker1",
		`user.workers[1] uid`:             "2001",
		`user.workers[1] groups`:          "adm,users",
		`service.app state`:               "started",
		`template.hosts text`:             "{{ range .servers }}{{ .address }} {{ .name }}.{{ $.vars.domain }}\n{{ end }}",
	}
	for k, want := range checks {
		addr, key, _ := strings.Cut(k, " ")
		if got := byAddr[addr].Settings[key]; got != want {
			t.Errorf("%s %s = %q, want %q", addr, key, got, want)
		}
	}
	if v := byAddr["template.hosts"].Vars; v["domain"] != "lab" || len(v["ports"].([]any)) != 2 {
		t.Errorf("template vars = %#v", v)
	}
	out, err := RenderTemplate("hosts.tmpl", byAddr["template.hosts"].Settings["text"], TemplateData(c, "s1", byAddr["template.hosts"].Vars, nil))
	if err != nil || !strings.Contains(out, "198.51.100.2 s2.lab\n") {
		t.Errorf("render = %q, %v", out, err)
	}
}

// Removing one element of a for_each list leaves the others' identities.
func TestGenericStableIdentities(t *testing.T) {
	addrs := func(list string) []string {
		c := loadOK(t, map[string]string{"a.hcl": genericServers + `
directory "d" {
  for_each = ` + list + `
  path     = each.value
}`})
		var out []string
		for _, it := range c.Items {
			out = append(out, it.Address()+"="+it.Settings["path"])
		}
		return out
	}
	before := addrs(`["/a", "/b", "/c"]`)
	after := addrs(`["/a", "/c"]`)
	if fmt.Sprint(after) != fmt.Sprint([]string{before[0], before[2]}) {
		t.Errorf("before %v, after %v", before, after)
	}
}

// The generic playbooks load without diagnostics, every declaration with
// its instances.
func TestPlaybooksGeneric(t *testing.T) {
	for dir, want := range map[string]int{"../playbooks/generic": 19, "../playbooks/generic/handlers": 6} {
		c, diags := testLoad(dir, Options{})
		if diags.HasErrors() {
			var b bytes.Buffer
			WriteDiagnostics(&b, c.Files, diags, false)
			t.Fatalf("%s:\n%s", dir, b.String())
		}
		if len(c.Items) != want {
			t.Errorf("%s: %d items, want %d", dir, len(c.Items), want)
		}
	}
}

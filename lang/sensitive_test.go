package lang

import (
	"slices"
	"strings"
	"testing"
)

// TestSensitive: sensitive = true on file, template and line hides their
// content (the line of a line); a setting computed from a sensitive
// variable (through interpolation, functions, locals, template vars or a
// reference to another declaration) is sensitive too; nothing else is.
func TestSensitive(t *testing.T) {
	c, diags := testLoadFiles(map[string][]byte{"a.hcl": []byte(`
variable "token" {
  default   = "s3cr3t"
  sensitive = true
}
variable "plain" { default = "hello" }
locals { header = upper("t=${var.token}") }
server "s1" { address = "198.51.100.1" }
file "key" {
  path      = "/etc/key"
  content   = "k"
  sensitive = true
}
file "env" {
  path    = "/etc/env"
  content = local.header
}
file "copy" {
  path    = "/etc/copy"
  content = file.env.content
}
file "plain" {
  path    = "/etc/plain"
  content = var.plain
}
file "ref" {
  path    = "/etc/ref"
  content = "${file.env.path} ${file.key.mode}"
}
template "t" {
  path   = "/etc/t"
  source = "t.tmpl"
  vars   = { v = var.token }
}
line "l" {
  path      = "/etc/l"
  line      = "x=1"
  sensitive = true
}
command "c" {
  command = "login ${var.token}"
}
`), "t.tmpl": []byte("{{.vars.v}}\n")}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := map[string][]string{
		"file.key": {"content"}, "file.env": {"content"}, "file.copy": {"content"}, "file.plain": nil, "file.ref": nil,
		"template.t": {"content"}, "line.l": {"line"}, "command.c": {"command"},
	}
	if want := []string{"T=S3CR3T", "login s3cr3t", "s3cr3t"}; !slices.Equal(c.Secrets, want) {
		t.Errorf("Secrets = %q, want %q", c.Secrets, want)
	}
	for _, it := range c.Items {
		if got := it.Sensitive; !slices.Equal(got, want[it.Address()]) {
			t.Errorf("%s: Sensitive = %v, want %v", it.Address(), got, want[it.Address()])
		}
	}
}

func TestSensitiveMustBeConstantBool(t *testing.T) {
	_, diags := testLoadFiles(map[string][]byte{"a.hcl": []byte(`
variable "token" {
  default   = "x"
  sensitive = "yes"
}
`)}, Options{})
	if !diags.HasErrors() || diags[0].Summary != "Invalid sensitive" {
		t.Fatalf("diags = %v, want Invalid sensitive", diags)
	}
}

// TestSensitiveNotInDiagnostics: a sensitive value that fails its grammar
// is reported without repeating it.
func TestSensitiveNotInDiagnostics(t *testing.T) {
	_, diags := testLoadFiles(map[string][]byte{"a.hcl": []byte(`
variable "v" {
  default   = "1\nkernel.secret = 1"
  sensitive = true
}
server "s1" { address = "198.51.100.1" }
sysctl "x" {
  key   = "net.ipv4.ip_forward"
  value = var.v
}
`)}, Options{})
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	for _, d := range diags {
		if strings.Contains(d.Detail, "kernel.secret") {
			t.Errorf("the detail shows the value: %s", d.Detail)
		}
	}
}

// TestSensitiveNotInValidationDiagnostics: the checks that run after
// evaluation (bridge and domain names, users, addresses, DHCP hosts) do
// not repeat a value computed from a sensitive variable either, whether
// it is the variable's value or holds it.
func TestSensitiveNotInValidationDiagnostics(t *testing.T) {
	const secret = "s3cret-token-value"
	for name, src := range map[string]string{
		"bridge":          server(`bridge = var.token`),
		"bridge template": server(`bridge = "br-${var.token}"`),
		"domain":          server(`domain = "${var.token}."`),
		"labels":          server(`labels = { "${var.token} x" = "web" }`),
		"ssh user":        `ssh { user = "${var.token} x" }` + "\n" + server(""),
		"address":         `server "s1" { address = "${var.token}!" }`,
		"dhcp_host": `server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
network "vxlan" "n1" {
  subnet    = "100.64.1.0/24"
  servers   = ["s1", "s2"]
  dhcp      = true
  dhcp_host = var.token
}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, diags := testLoadFiles(map[string][]byte{"a.hcl": []byte(`
variable "token" {
  default   = "` + secret + `"
  sensitive = true
}
` + src + "\n")}, Options{})
			if len(diags) != 1 || diags[0].Subject.Start.Line < 6 {
				t.Fatalf("want one error, in the declaration: %s", diags.Error())
			}
			for _, d := range diags {
				if strings.Contains(d.Summary+d.Detail, "s3cret") {
					t.Errorf("the diagnostic shows the value: %s: %s", d.Summary, d.Detail)
				}
			}
		})
	}
}

// server is server "s1" at 198.51.100.1 with one more setting.
func server(setting string) string {
	return "server \"s1\" {\n  address = \"198.51.100.1\"\n  " + setting + "\n}"
}

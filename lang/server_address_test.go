package lang

import (
	"fmt"
	"strings"
	"testing"
)

// A server's address may be a host name or an ssh_config alias: drover
// connects to it as written, and peers use private_address, else the
// address learned from the server's facts (modules).
func TestServerAddressHostName(t *testing.T) {
	c := load(t, Options{}, map[string]string{"a.hcl": `
server "s1" { address = "s1" }
server "s2" {
  address         = "db1.example.com"
  private_address = "10.0.0.5"
}
server "s3" {
  address         = "198.51.100.3"
  private_address = "10.0.0.6"
}
server "s4" { address = "198.51.100.4" }

network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = ["s1", "s2", "s3", "s4"]
}
`})
	for _, want := range []struct {
		name, address, connect string
		learn                  bool
	}{
		{"s1", "", "s1", true},
		{"s2", "10.0.0.5", "db1.example.com", false},
		{"s3", "10.0.0.6", "198.51.100.3", false},
		{"s4", "198.51.100.4", "198.51.100.4", false},
	} {
		s := c.Server(want.name)
		if s.Address != want.address || s.Connect != want.connect || s.LearnAddress != want.learn {
			t.Errorf("%s: address %q connect %q learn %v; want %+v", s.Name, s.Address, s.Connect, s.LearnAddress, want)
		}
	}
	if r := c.Server("s1").AddressRange; r.Filename != "a.hcl" || r.Start.Line != 2 || r.Start.Column != 25 {
		t.Errorf("s1 address range %v", r)
	}
	// s1's overlay address is derived once its address is learned; the
	// others' from private_address, else address.
	var got []string
	for _, m := range vxlanOf(c.Networks[0]).Members {
		got = append(got, m.Server+"="+m.Address)
	}
	if want := "s1= s2=100.64.10.5 s3=100.64.10.6 s4=100.64.10.4"; strings.Join(got, " ") != want {
		t.Errorf("members %s, want %s", strings.Join(got, " "), want)
	}
}

func TestServerAddressErrors(t *testing.T) {
	for _, tc := range []struct{ attrs, want string }{
		{`address = "s 1"`, `a.hcl:2:13: Invalid server address`},
		{`address = "a;reboot"`, `a.hcl:2:13: Invalid server address`},
		{`address = "-oProxyCommand=x"`, `a.hcl:2:13: Invalid server address`},
		{`address = "web1%eth0"`, `a.hcl:2:13: Invalid IP address`},
		{`address = "198.51.100.300"`, `a.hcl:2:13: Invalid IP address`},
		{`address = "198.51.100.x"`, `a.hcl:2:13: Invalid IP address`},
		{"address = \"s1\"\n  private_address = \"s1\"", `a.hcl:3:21: Invalid IP address`},
		{"address = \"s1\"\n  private_address = \"198.51.100.2\"", `a.hcl:5:25: Duplicate server address`},
		{`address = "S2.example.com"`, `a.hcl:6:21: Duplicate server address`},
	} {
		diags := loadErrors(t, Options{}, map[string]string{"a.hcl": `server "s1" {
  ` + tc.attrs + `
}
server "s2" { address = "198.51.100.2" }
server "s3" {
  address         = "s2.example.com"
  private_address = "198.51.100.3"
}
`})
		var all []string
		for _, d := range diags {
			all = append(all, fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Summary))
		}
		if len(all) != 1 || all[0] != tc.want {
			t.Errorf("%s: diagnostics %q, want %q", tc.attrs, all, tc.want)
		}
	}
}

func TestIPLike(t *testing.T) {
	for s, want := range map[string]bool{
		"198.51.100.1": true, "198.51.100.300": true, "198.51.100.x": true, "10": true, "::1": true, "a/24": true,
		"s1": false, "db1.example.com": false, "web-1": false, "1.example.com": false, "x": false,
	} {
		if ipLike(s) != want {
			t.Errorf("ipLike(%q) = %v", s, !want)
		}
	}
}

// self.address of a server whose IP is learned is an error naming the
// server and what to write; with private_address it is that address.
func TestServerAddressSelf(t *testing.T) {
	diags := loadErrors(t, Options{}, map[string]string{"a.hcl": `
server "s1" { address = "s1" }
file "motd" {
  path    = "/etc/motd"
  content = "${self.address}\n"
}
`})
	if len(diags) != 1 || diags[0].Summary != "self.address of a server named by host name" ||
		!strings.Contains(diags[0].Detail, `Set private_address in server "s1"`) || diags[0].Subject.Start.Line != 5 {
		t.Fatalf("diagnostics %v", diags)
	}
	c := load(t, Options{}, map[string]string{"a.hcl": `
server "s1" {
  address         = "s1"
  private_address = "10.0.0.5"
}
file "motd" {
  path    = "/etc/motd"
  content = "${self.address}\n"
}
`})
	if got := c.Items[0].Settings["content"]; got != "10.0.0.5\n" {
		t.Fatalf("content %q", got)
	}
}

package modules

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// namedCluster names s1 and s2 by ssh_config aliases; s3 has an IP.
const namedCluster = `
server "s1" { address = "s1" }
server "s2" { address = "s2.example.com" }
server "s3" { address = "198.51.100.3" }
NETWORK
`

const namedVXLAN = `
network "vxlan" "vx1" {
  subnet     = "100.64.10.0/24"
  servers    = ["s1", "s2", "s3"]
  dhcp       = false
  masquerade = false
}
`

func loadNamed(t *testing.T, network string) *lang.Cluster {
	t.Helper()
	src := strings.Replace(namedCluster, "NETWORK", network, 1)
	c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(src)}, lang.Options{Kinds: Kinds()})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return c
}

// factsWith is a host with eth0 (the default route's) and docker0.
func factsWith(eth0 ...string) *core.Facts {
	return &core.Facts{Arch: "amd64", Init: "none", DefaultIface: "eth0", LinkKinds: []string{"bridge", "vxlan"},
		Interfaces: []core.Interface{
			{Name: "lo", MTU: 65536, Up: true, Addrs: []string{"127.0.0.1/8"}},
			{Name: "docker0", MTU: 1500, Up: true, Addrs: []string{"172.17.0.1/16"}},
			{Name: "eth0", MTU: 1500, Up: true, Addrs: eth0},
		}}
}

func TestLearnedAddress(t *testing.T) {
	c := loadNamed(t, "")
	s1 := c.Server("s1")
	// The default route's interface.
	if a, err := c.LearnedAddress(s1, factsWith("198.51.100.1/24")); err != nil || a != "198.51.100.1" {
		t.Fatalf("default route: %q, %v", a, err)
	}
	// An interface on another server's subnet wins over the default route.
	f := factsWith("203.0.113.1/24")
	f.Interfaces = append(f.Interfaces, core.Interface{Name: "eth1", MTU: 1500, Up: true, Addrs: []string{"198.51.100.11/24"}})
	if a, err := c.LearnedAddress(s1, f); err != nil || a != "198.51.100.11" {
		t.Fatalf("link to s3: %q, %v", a, err)
	}
	// A declared interface wins.
	named := *s1
	named.Interface = "docker0"
	if a, err := c.LearnedAddress(&named, f); err != nil || a != "172.17.0.1" {
		t.Fatalf("declared interface: %q, %v", a, err)
	}
	// Nothing to learn: the error names the place and what to write.
	_, err := c.LearnedAddress(s1, factsWith("2001:db8::1/64"))
	for _, want := range []string{"a.hcl:2:25: server s1", `address "s1" is a host name`, "eth0 has no IPv4 address",
		`server "s1" { private_address = "..." }`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	noRoute := factsWith("203.0.113.1/24")
	noRoute.DefaultIface = ""
	if _, err := c.LearnedAddress(s1, noRoute); err == nil || !strings.Contains(err.Error(), "no IPv4 default route") {
		t.Errorf("no default route: %v", err)
	}
}

// A VXLAN network between servers named by host name uses the learned
// addresses: the VXLAN device's local address, the peers' FDB entries and
// the overlay address (from the learned address's last bits).
func TestExpandLearnedVXLAN(t *testing.T) {
	c := loadNamed(t, namedVXLAN)
	facts := map[string]*core.Facts{
		"s1": factsWith("198.51.100.1/24"), "s2": factsWith("198.51.100.2/24"), "s3": factsWith("198.51.100.3/24"),
	}
	d, err := Expand(c, facts)
	if err != nil {
		t.Fatal(err)
	}
	s1 := resources(d, "s1")
	for _, want := range []string{"link/vx42 local=198.51.100.1 dev=eth0", "fdb/vx42/198.51.100.2 dst=198.51.100.2",
		"fdb/vx42/198.51.100.3 dst=198.51.100.3", "addr/vxl0/100.64.10.1/24"} {
		if !strings.Contains(s1, want) {
			t.Errorf("s1 lacks %q:\n%s", want, s1)
		}
	}
	if s3 := resources(d, "s3"); !strings.Contains(s3, "fdb/vx42/198.51.100.1 dst=198.51.100.1") {
		t.Errorf("s3 lacks the FDB entry towards s1's learned address:\n%s", s3)
	}
	if c.Server("s1").Address != "" {
		t.Error("Expand changed the cluster")
	}

	// Offline: known after apply.
	d, err = Expand(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s3 := resources(d, "s3"); !strings.Contains(s3, "fdb/vx42/"+core.Unknown+" dst="+core.Unknown) {
		t.Errorf("offline s3:\n%s", s3)
	}

	// Learned addresses that give two members one overlay address.
	facts["s2"] = factsWith("203.0.113.1/24")
	if _, err := Expand(c, facts); err == nil || !strings.Contains(err.Error(), "members s1 and s2 both get 100.64.10.1") {
		t.Errorf("duplicate overlay address: %v", err)
	}
}

// A server whose facts give no address fails only when something uses it.
func TestExpandUnlearnedAddress(t *testing.T) {
	facts := map[string]*core.Facts{
		"s1": factsWith("2001:db8::1/64"), "s2": factsWith("198.51.100.2/24"), "s3": factsWith("198.51.100.3/24"),
	}
	if _, err := Expand(loadNamed(t, ""), facts); err != nil {
		t.Fatalf("no network: %v", err)
	}
	_, err := Expand(loadNamed(t, namedVXLAN), facts)
	if err == nil || !strings.Contains(err.Error(), `a.hcl:2:25: server s1: address "s1" is a host name`) ||
		strings.Contains(err.Error(), "\x00") {
		t.Fatalf("err = %q", err)
	}
	// A module that cannot use the marker fails too: the error says why
	// the address is missing first, and no marker leaks.
	_, err = Expand(loadNamed(t, `
network "wireguard" "wg1" {
  subnet  = "100.64.20.0/24"
  servers = ["s1", "s3"]
}
`), facts)
	if err == nil || !strings.HasPrefix(err.Error(), `a.hcl:2:25: server s1: address "s1" is a host name`) ||
		strings.Contains(err.Error(), "\x00") {
		t.Fatalf("wireguard: err = %q", err)
	}
}

// resources lists a host's resources as "ID k=v ..." lines (local, dev
// and dst only).
func resources(d *core.Desired, name string) string {
	var b strings.Builder
	for _, r := range d.Hosts[name].Resources {
		b.WriteString(r.ID())
		for _, k := range []string{"local", "dev", "dst"} {
			if v, ok := r.Attrs[k]; ok && (k != "dev" || r.Attrs["type"] == "vxlan") {
				b.WriteString(" " + k + "=" + v)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Other kinds read the learned address as they read a declared one: a
// WireGuard peer's endpoint and tunnel address come from it.
func TestExpandLearnedWireGuard(t *testing.T) {
	c := loadNamed(t, `
network "wireguard" "wg1" {
  subnet  = "100.64.20.0/24"
  servers = ["s1", "s3"]
}
`)
	facts := map[string]*core.Facts{"s1": factsWith("198.51.100.1/24"), "s2": factsWith("198.51.100.2/24"), "s3": factsWith("198.51.100.3/24")}
	d, err := Expand(c, facts)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, r := range d.Hosts["s3"].Resources {
		for k, v := range r.Attrs {
			all = append(all, r.ID()+" "+k+"="+v)
		}
	}
	joined := strings.Join(all, "\n")
	if !strings.Contains(joined, "198.51.100.1:") {
		t.Errorf("s3 has no endpoint at s1's learned address:\n%s", joined)
	}
}

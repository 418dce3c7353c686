package vxlan

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

func cluster(group string) (*lang.Cluster, *lang.Network) {
	c := &lang.Cluster{}
	for i, a := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		c.Servers = append(c.Servers, &lang.Server{Name: "s" + string(rune('1'+i)), Address: a})
	}
	n := &lang.Network{Name: "vx1", Kind: "vxlan", Spec: &Network{
		Subnet: "100.64.10.0/24", Bridge: "vxl0", VNI: 42, Port: 4789, Group: group,
		DHCP: true, DHCPHost: "s1", Domain: "vxapp", Masquerade: true,
		Members: []lang.Member{{Server: "s1", Address: "100.64.10.1"}, {Server: "s2", Address: "100.64.10.2"},
			{Server: "s3", Interface: "eth1", Address: "100.64.10.3"}},
	}}
	c.Networks = []*lang.Network{n}
	return c, n
}

func facts(addrs map[string]string) *core.Facts {
	f := &core.Facts{DefaultIface: "eth0"}
	for name, a := range addrs {
		f.Interfaces = append(f.Interfaces, core.Interface{Name: name, MTU: 1500, Up: true, Addrs: []string{a}})
	}
	return f
}

func find(t *testing.T, rs []core.Resource, id string) core.Resource {
	t.Helper()
	for _, r := range rs {
		if r.ID() == id {
			return r
		}
	}
	t.Fatalf("no resource %s among %v", id, ids(rs))
	return core.Resource{}
}

func ids(rs []core.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID())
	}
	return out
}

func TestExpandUnicast(t *testing.T) {
	c, n := cluster("")
	f := map[string]*core.Facts{
		"s1": facts(map[string]string{"eth0": "198.51.100.1/24"}),
		"s2": facts(map[string]string{"eth0": "198.51.100.2/24"}),
		"s3": facts(map[string]string{"eth0": "198.51.100.3/24", "eth1": "203.0.113.3/24"}),
	}
	sets, err := Expand(n, c, f)
	if err != nil {
		t.Fatal(err)
	}
	s1 := sets["s1"].Resources
	vx := find(t, s1, "link/vx42")
	want := map[string]string{"type": "vxlan", "vni": "42", "port": "4789", "local": "198.51.100.1",
		"dev": "eth0", "master": "vxl0", "mtu": "1450", "learning": "true", "up": "true"}
	for k, v := range want {
		if vx.Attrs[k] != v {
			t.Errorf("s1 vx42 %s = %q, want %q", k, vx.Attrs[k], v)
		}
	}
	find(t, s1, "addr/vxl0/100.64.10.1/24")
	find(t, s1, "fdb/vx42/198.51.100.2")
	// s3 joins over eth1, so its peers send to eth1's address.
	find(t, s1, "fdb/vx42/203.0.113.3")
	find(t, s1, "service/dnsmasq-vxl0")
	find(t, s1, "nft/drover_net_vx1")
	s3 := sets["s3"].Resources
	if got := find(t, s3, "link/vx42").Attrs["local"]; got != "203.0.113.3" {
		t.Errorf("s3 local = %q, want eth1's address", got)
	}
	for _, r := range sets["s2"].Resources {
		if r.Kind == "service" || r.Kind == "nft" {
			t.Errorf("s2 is not the DHCP host but gets %s", r.ID())
		}
	}
	if n := len(sets["s2"].Checks); n != 2 {
		t.Errorf("s2 has %d ping checks, want 2 (one per peer)", n)
	}
	if got := sets["s2"].Checks[0].Attrs["size"]; got != "1422" {
		t.Errorf("ping size %s, want 1422 (MTU 1450 - 28)", got)
	}
}

func TestExpandMulticastHasNoFDB(t *testing.T) {
	c, n := cluster("239.1.1.1")
	sets, err := Expand(n, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, set := range sets {
		for _, r := range set.Resources {
			if r.Kind == "fdb" {
				t.Errorf("%s: multicast network has FDB entry %s", name, r.ID())
			}
		}
		if g := find(t, set.Resources, "link/vx42").Attrs["group"]; g != "239.1.1.1" {
			t.Errorf("%s: group %q", name, g)
		}
	}
}

func TestExpandOfflineIsUnknown(t *testing.T) {
	c, n := cluster("")
	sets, err := Expand(n, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	vx := find(t, sets["s1"].Resources, "link/vx42")
	if vx.Attrs["mtu"] != core.Unknown || vx.Attrs["dev"] != core.Unknown {
		t.Errorf("offline mtu/dev should be unknown: %q %q", vx.Attrs["mtu"], vx.Attrs["dev"])
	}
	// The overlay address and peers' underlay addresses come from HCL.
	find(t, sets["s1"].Resources, "addr/vxl0/100.64.10.1/24")
	find(t, sets["s1"].Resources, "fdb/vx42/198.51.100.2")
}

func TestExpandMissingInterface(t *testing.T) {
	c, n := cluster("")
	f := map[string]*core.Facts{"s3": facts(map[string]string{"eth0": "198.51.100.3/24"})}
	_, err := Expand(n, c, f)
	if err == nil || !strings.Contains(err.Error(), `server s3 has no interface "eth1"`) {
		t.Fatalf("err = %v", err)
	}
}

// The DHCP host stops Debian's dnsmasq.service on systemd hosts.
func TestSystemDnsmasqOff(t *testing.T) {
	c, n := cluster("")
	f := facts(map[string]string{"eth0": "198.51.100.1/24"})
	f.Init = "systemd"
	sets, err := Expand(n, c, map[string]*core.Facts{"s1": f})
	if err != nil {
		t.Fatal(err)
	}
	off := find(t, sets["s1"].Resources, "sysservice/dnsmasq")
	if off.Attrs["state"] != "stopped" || off.Attrs["enabled"] != "false" {
		t.Errorf("sysservice/dnsmasq = %v", off.Attrs)
	}
	svc := find(t, sets["s1"].Resources, "service/dnsmasq-vxl0")
	if !strings.Contains(strings.Join(svc.After, " "), "sysservice/dnsmasq") {
		t.Errorf("dnsmasq-vxl0 after %v", svc.After)
	}
}

// TestExpandLocalFirst: "local" listed first (so the DHCP host) plans once
// its facts are known: its overlay address comes from its underlay address
// like every member's, and peers flood to that underlay address.
func TestExpandLocalFirst(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`
server "s1" { address = "198.51.100.1" }
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = ["local", "s1"]
}
`)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	n := c.Networks[0]
	if v := n.Spec.(*Network); v.DHCPHost != "local" {
		t.Fatalf("dhcp host %q", v.DHCPHost)
	}
	f := map[string]*core.Facts{
		"local": facts(map[string]string{"eth0": "198.51.100.9/24"}),
		"s1":    facts(map[string]string{"eth0": "198.51.100.1/24"}),
	}
	sets, err := Expand(n, c, f)
	if err != nil {
		t.Fatal(err)
	}
	find(t, sets["local"].Resources, "addr/vxl0/100.64.10.9/24")
	find(t, sets["local"].Resources, "service/dnsmasq-vxl0")
	find(t, sets["s1"].Resources, "fdb/vx42/198.51.100.9")
	if _, err := Expand(n, c, nil); err == nil || !strings.Contains(err.Error(), "the DHCP host local has no overlay address until drover connects to it") {
		t.Errorf("offline: %v", err)
	}
}

// testKinds are the kinds the package's tests load with: vxlan alone.
func testKinds() *lang.Kinds {
	k := lang.NewKinds()
	k.AddNetwork(Kind())
	return k
}

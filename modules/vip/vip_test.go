package vip

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

func TestVIP(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`
server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }
vip {
  address         = "198.51.100.100/24"
  servers         = ["s1", "s2", "s3"]
  priorities      = { s3 = 200 }
  track           = "/usr/bin/pgrep -x haproxy"
  advert_interval = "100ms"
}
`)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	facts := map[string]*core.Facts{
		"s1": {Interfaces: []core.Interface{{Name: "eth0", Addrs: []string{"198.51.100.1/24"}}}},
		"s2": {Interfaces: []core.Interface{{Name: "ens3", Addrs: []string{"198.51.100.2/24"}}}},
	}
	sets, err := Expand(lang.DeclsOf[*Decl](c)[0], c, facts)
	if err != nil {
		t.Fatal(err)
	}
	conf := func(server string) string {
		for _, r := range sets[server].Resources {
			if r.Kind == "file" {
				return r.Attrs["content"]
			}
		}
		t.Fatalf("no config on %s", server)
		return ""
	}
	for _, want := range []string{"state BACKUP", "interface eth0", "priority 150", "virtual_router_id 100", "advert_int 0.1", "vrrp_version 3",
		"unicast_src_ip 198.51.100.1", "\t\t198.51.100.2\n\t\t198.51.100.3\n", "198.51.100.100/24 dev eth0", `script "/usr/bin/pgrep -x haproxy"`} {
		if !strings.Contains(conf("s1"), want) {
			t.Errorf("s1 config lacks %q:\n%s", want, conf("s1"))
		}
	}
	if !strings.Contains(conf("s2"), "interface ens3") || !strings.Contains(conf("s2"), "priority 140") {
		t.Errorf("s2 config:\n%s", conf("s2"))
	}
	if !strings.Contains(conf("s3"), "state MASTER") || !strings.Contains(conf("s3"), "interface "+core.Unknown) {
		t.Errorf("s3 (highest priority, no facts) config:\n%s", conf("s3"))
	}
}

func TestAdvert(t *testing.T) {
	for in, want := range map[string]string{"1s": "1", "250ms": "0.25", "100ms": "0.1", "3s": "3"} {
		c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`server "s1" { address = "198.51.100.1" }
vip {
  address = "198.51.100.9"
  servers = ["s1"]
  advert_interval = "` + in + `"
}`)}, lang.Options{Kinds: testKinds()})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		if got := advert(lang.DeclsOf[*Decl](c)[0].AdvertInterval); got != want {
			t.Errorf("advert(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestVIPOutsideSubnet(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
vip {
  address        = "203.0.113.50"
  servers        = ["s1", "s2"]
  track          = "/usr/bin/pgrep -x haproxy"
  track_interval = "3s"
  track_fall     = 1
  track_rise     = 4
}`)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	facts := map[string]*core.Facts{
		"s1": {Interfaces: []core.Interface{{Name: "eth0", Addrs: []string{"198.51.100.1/24"}}}},
		"s2": {Interfaces: []core.Interface{{Name: "eth0", Addrs: []string{"198.51.100.2/24", "203.0.113.50/32"}}}},
	}
	_, err := Expand(lang.DeclsOf[*Decl](c)[0], c, facts)
	want := "c.hcl:3:1: vip vip-203-0-113-50: 203.0.113.50 is outside the subnets of s1's eth0 (198.51.100.0/24)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
	facts["s1"].Interfaces[0].Addrs = append(facts["s1"].Interfaces[0].Addrs, "203.0.113.1/24")
	if _, err := Expand(lang.DeclsOf[*Decl](c)[0], c, facts); err == nil || !strings.Contains(err.Error(), "outside the subnets of s2's eth0") {
		t.Fatalf("the holder's own /32 made the VIP look on a subnet: %v", err)
	}
	facts["s2"].Interfaces[0].Addrs = append(facts["s2"].Interfaces[0].Addrs, "203.0.113.2/24")
	sets, err := Expand(lang.DeclsOf[*Decl](c)[0], c, facts)
	if err != nil {
		t.Fatalf("on the subnet: %v", err)
	}
	for _, r := range sets["s1"].Resources {
		if r.Kind == "file" && !strings.Contains(r.Attrs["content"], "interval 3\n\tfall 1\n\trise 4\n") {
			t.Errorf("track timing not in the config:\n%s", r.Attrs["content"])
		}
	}
}

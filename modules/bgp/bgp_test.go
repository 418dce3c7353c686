package bgp

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

func cluster(asn int) (*lang.Cluster, *lang.Network) {
	c := &lang.Cluster{}
	for i, a := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		name := "s" + string(rune('1'+i))
		c.Servers = append(c.Servers, &lang.Server{Name: name, Address: a, Subnet: "100.65." + string(rune('1'+i)) + ".0/24"})
	}
	n := &lang.Network{Name: "bnet", Kind: Name, Spec: &Network{
		ASN: asn, ContainerSubnets: true, HoldTime: 6, KeepaliveTime: 2, ConnectRetry: 2,
		Members:  []lang.Member{{Server: "s3"}, {Server: "s1"}, {Server: "s2", Address: "203.0.113.2"}},
		Announce: map[string][]string{"s3": {"100.66.3.0/24"}},
	}}
	c.Networks = []*lang.Network{n}
	return c, n
}

func config(t *testing.T, sets map[string]*blocks.Set, server string) string {
	t.Helper()
	for _, r := range sets[server].Resources {
		if r.ID() == "file/"+ConfigPath {
			return r.Attrs["content"]
		}
	}
	t.Fatalf("%s has no %s", server, ConfigPath)
	return ""
}

func TestExpandEBGP(t *testing.T) {
	c, n := cluster(0)
	sets, err := Expand(n, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	conf := config(t, sets, "s1")
	for _, want := range []string{
		"router id 198.51.100.1;", "local 198.51.100.1 as 65001;",
		"hold time 6;", "keepalive time 2;", "connect retry time 2;", "error wait time 1,5;",
		"route 100.65.1.0/24 unreachable;",
		"protocol bgp peer_s2 from drover_peer {\n\tneighbor 203.0.113.2 as 65002;",
		"protocol bgp peer_s3 from drover_peer {\n\tneighbor 198.51.100.3 as 65003;",
		"export where source = RTS_BGP;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("s1's bird.conf lacks %q:\n%s", want, conf)
		}
	}
	if strings.Index(conf, "peer_s2") > strings.Index(conf, "peer_s3") {
		t.Errorf("peers are not in name order:\n%s", conf)
	}
	if s3 := config(t, sets, "s3"); !strings.Contains(s3, "route 100.66.3.0/24 unreachable;") {
		t.Errorf("s3 does not announce its extra subnet:\n%s", s3)
	}
	var checks []string
	for _, ch := range sets["s1"].Checks {
		checks = append(checks, ch.Peer+" "+ch.Attrs["peers"]+" "+ch.Attrs["routes"])
	}
	if got := strings.Join(checks, "; "); got != "s2 peer_s2 100.65.2.0/24; s3 peer_s3 100.65.3.0/24,100.66.3.0/24" {
		t.Errorf("checks of s1: %s", got)
	}
}

func TestExpandIBGP(t *testing.T) {
	c, n := cluster(65000)
	sets, err := Expand(n, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if conf := config(t, sets, "s2"); !strings.Contains(conf, "local 203.0.113.2 as 65000;") || strings.Contains(conf, "as 6500") && strings.Contains(conf, "as 65001") {
		t.Errorf("iBGP config of s2:\n%s", conf)
	}
}

func TestDuplicateASN(t *testing.T) {
	c, n := cluster(0)
	c.Servers[1].Address = "203.0.113.1"
	n.Spec.(*Network).Members[2].Address = ""
	if _, err := Expand(n, c, nil); err == nil || !strings.Contains(err.Error(), "members s1 and s2 would both have AS 65001") {
		t.Fatalf("want a duplicate ASN error, got %v", err)
	}
}

func TestPeeringAddressFromInterface(t *testing.T) {
	c, n := cluster(0)
	n.Spec.(*Network).Members[1].Interface = "eth1"
	sets, err := Expand(n, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if conf := config(t, sets, "s1"); conf != core.Unknown {
		t.Fatalf("offline, an interface's address is not known: %q", conf)
	}
	f := &core.Facts{Interfaces: []core.Interface{{Name: "eth1", Addrs: []string{"203.0.113.1/24"}}}}
	sets, err = Expand(n, c, map[string]*core.Facts{"s1": f})
	if err != nil {
		t.Fatal(err)
	}
	if conf := config(t, sets, "s3"); !strings.Contains(conf, "neighbor 203.0.113.1 as 65001;") {
		t.Errorf("s3 does not peer with s1's eth1 address:\n%s", conf)
	}
}

// On systemd hosts Debian's bird.service is stopped and disabled before
// drover's bird starts; elsewhere (and offline) nothing is declared.
func TestSystemBirdOff(t *testing.T) {
	c, n := cluster(0)
	sets, err := Expand(n, c, map[string]*core.Facts{"s1": {Init: "systemd"}, "s2": {Init: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	var off *core.Resource
	for i, r := range sets["s1"].Resources {
		if r.ID() == "sysservice/bird" {
			off = &sets["s1"].Resources[i]
		}
	}
	if off == nil || off.Attrs["state"] != "stopped" || off.Attrs["enabled"] != "false" {
		t.Fatalf("s1: sysservice/bird = %+v", off)
	}
	for _, r := range sets["s1"].Resources {
		if r.ID() == "service/"+Service && !contains(r.After, "sysservice/bird") {
			t.Errorf("drover's bird does not come after stopping bird.service: %v", r.After)
		}
	}
	for _, r := range sets["s2"].Resources {
		if r.Kind == "sysservice" {
			t.Errorf("s2 (no systemd) got %s", r.ID())
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

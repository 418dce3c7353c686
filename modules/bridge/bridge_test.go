package bridge

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

func cluster(members ...lang.Member) (*lang.Cluster, *lang.Network) {
	c := &lang.Cluster{}
	for i, a := range []string{"198.51.100.1", "198.51.100.2"} {
		c.Servers = append(c.Servers, &lang.Server{Name: "s" + string(rune('1'+i)), Address: a})
	}
	n := &lang.Network{Name: "lan", Kind: Name, Spec: &Network{Bridge: "br0", Members: members}}
	c.Networks = []*lang.Network{n}
	return c, n
}

func facts(ifaces map[string]string, outputs map[string]map[string]string) *core.Facts {
	f := &core.Facts{Outputs: outputs}
	for name, a := range ifaces {
		ifc := core.Interface{Name: name, MTU: 1500, Up: true}
		if a != "" {
			ifc.Addrs = []string{a}
		}
		f.Interfaces = append(f.Interfaces, ifc)
	}
	return f
}

func TestExpand(t *testing.T) {
	c, n := cluster(lang.Member{Server: "s1"}, lang.Member{Server: "s2", Interface: "eth1"})
	f := map[string]*core.Facts{
		"s1": facts(map[string]string{"eth0": "198.51.100.1/24"}, nil),
		"s2": facts(map[string]string{"eth0": "198.51.100.2/24", "eth1": ""}, nil),
	}
	sets, err := Expand(n, c, f)
	if err != nil {
		t.Fatal(err)
	}
	for server, port := range map[string]string{"s1": "eth0", "s2": "eth1"} {
		rs := sets[server].Resources
		if len(rs) != 1 || rs[0].ID() != "bridgeport/br0" || rs[0].Attrs["port"] != port || rs[0].Attrs["bridge"] != "br0" {
			t.Errorf("%s: resources = %+v, want bridgeport/br0 over %s", server, rs, port)
		}
	}
	checks := sets["s1"].Checks
	if len(checks) != 2 || checks[1].Attrs["dst"] != "198.51.100.2" || checks[1].Peer != "s2" {
		t.Errorf("s1 checks = %+v", checks)
	}
}

// Once applied, the address lives on the bridge: the port comes from the
// bridgeport's output, so the plan stays the same.
func TestPortAfterMove(t *testing.T) {
	c, n := cluster(lang.Member{Server: "s1"})
	f := map[string]*core.Facts{"s1": facts(map[string]string{"br0": "198.51.100.1/24", "eth0": ""},
		map[string]map[string]string{"bridgeport/br0": {"port": "eth0"}})}
	sets, err := Expand(n, c, f)
	if err != nil {
		t.Fatal(err)
	}
	if got := sets["s1"].Resources[0].Attrs["port"]; got != "eth0" {
		t.Errorf("port = %q, want eth0", got)
	}
	// Offline: unknown.
	sets, err = Expand(n, c, map[string]*core.Facts{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sets["s1"].Resources[0].Attrs["port"]; got != core.Unknown {
		t.Errorf("offline port = %q, want unknown", got)
	}
}

func TestPortErrors(t *testing.T) {
	c, n := cluster(lang.Member{Server: "s1", Interface: "eth9"}, lang.Member{Server: "s2"})
	f := map[string]*core.Facts{
		"s1": facts(map[string]string{"eth0": "198.51.100.1/24"}, nil),
		"s2": facts(map[string]string{"br0": "198.51.100.2/24"}, nil),
	}
	_, err := Expand(n, c, f)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`server s1 has no interface "eth9" to bridge (it has eth0)`, "server s2: cannot tell which interface to put under bridge br0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

package attachment

import (
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/bridge"
	"github.com/drover/drover/modules/vxlan"
)

func cluster() *lang.Cluster {
	return &lang.Cluster{
		Servers: []*lang.Server{
			{Name: "s1", Address: "198.51.100.1", Subnet: "100.65.1.0/24", Bridge: "cbr0"},
			{Name: "s2", Address: "198.51.100.2"},
		},
		Networks: []*lang.Network{
			{Name: "vx1", Kind: vxlan.Name, Spec: &vxlan.Network{Subnet: "100.64.10.0/24", Bridge: "vxl0",
				Members: []lang.Member{{Server: "s1"}, {Server: "s2"}}}},
			{Name: "lan", Kind: bridge.Name, Spec: &bridge.Network{Bridge: "br0", Members: []lang.Member{{Server: "s2"}}}},
		},
	}
}

func TestExpand(t *testing.T) {
	c := cluster()
	cases := []struct {
		a     Decl
		attrs map[string]string
		after string
		pings int
	}{
		{Decl{Name: "web1", Server: "s1", Network: "vx1", Address: "100.64.10.50/24"},
			map[string]string{"bridge": "vxl0", "veth": "at-web1", "address": "100.64.10.50/24"}, "link/vxl0", 1},
		{Decl{Name: "web2", Server: "s2", Network: "vx1", DHCP: true},
			map[string]string{"bridge": "vxl0", "veth": "at-web2", "dhcp": "true"}, "link/vxl0", 0},
		{Decl{Name: "c1", Server: "s1", Network: lang.AttachSubnet, Address: "100.65.1.20/24"},
			map[string]string{"bridge": "cbr0", "veth": "at-c1", "address": "100.65.1.20/24", "gateway": "100.65.1.1"}, "link/cbr0", 1},
		{Decl{Name: "lan1", Server: "s2", Network: "lan", Address: "198.51.100.60/24", Gateway: "198.51.100.254"},
			map[string]string{"bridge": "br0", "veth": "at-lan1", "address": "198.51.100.60/24", "gateway": "198.51.100.254"}, "bridgeport/br0", 1},
	}
	for _, tc := range cases {
		set, err := Expand(&tc.a, c)
		if err != nil {
			t.Fatalf("%s: %v", tc.a.Name, err)
		}
		r := set.Resources[0]
		if len(set.Resources) != 1 || r.ID() != "netns/"+tc.a.Name || len(r.After) != 1 || r.After[0] != tc.after {
			t.Errorf("%s: resources = %+v", tc.a.Name, set.Resources)
		}
		if len(r.Attrs) != len(tc.attrs) {
			t.Errorf("%s: attrs = %v, want %v", tc.a.Name, r.Attrs, tc.attrs)
		}
		for k, v := range tc.attrs {
			if r.Attrs[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.a.Name, k, r.Attrs[k], v)
			}
		}
		if got := len(set.Checks) - 1; got != tc.pings {
			t.Errorf("%s: %d ping checks, want %d", tc.a.Name, got, tc.pings)
		}
	}
}

func TestLive(t *testing.T) {
	a := &Decl{Name: "web1"}
	f := &core.Facts{Outputs: map[string]map[string]string{"netns/web1": {"address": "100.64.10.130/24", "state": "up"}}}
	if addr, state := Live(a, f); addr != "100.64.10.130/24" || state != "up" {
		t.Errorf("Live = %q %q", addr, state)
	}
	if _, state := Live(a, &core.Facts{}); state != "absent" {
		t.Errorf("state without outputs = %q", state)
	}
	if _, state := Live(a, nil); state != "unknown" {
		t.Errorf("state without facts = %q", state)
	}
}

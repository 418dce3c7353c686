package attachment

import (
	"os"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/bridge"
	"github.com/drover/drover/modules/vxlan"
)

// TestKind loads lang's attachment fixture and checks the attachments'
// model and the bridge each joins.
func TestKind(t *testing.T) {
	src, err := os.ReadFile("../../lang/testdata/valid/attachment/cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	kinds := lang.NewKinds()
	kinds.AddNetwork(bridge.Kind())
	kinds.AddNetwork(vxlan.Kind())
	kinds.AddBlock(Kind())
	c, diags := lang.LoadFiles(map[string][]byte{"cluster.hcl": src}, lang.Options{Kinds: kinds})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	got := lang.DeclsOf[*Decl](c)
	if len(got) != 4 {
		t.Fatalf("attachments = %d, want 4", len(got))
	}
	want := []struct{ name, server, network, address, gateway, bridge, subnet string }{
		{"web1", "s1", "vx1", "100.64.10.50/24", "100.64.10.1", "vxl0", "100.64.10.0/24"},
		{"web2", "s2", "vx1", "", "", "vxl0", "100.64.10.0/24"},
		{"c1", "s1", lang.AttachSubnet, "100.65.1.20/24", "", "cbr0", "100.65.1.0/24"},
		{"lan1", "s2", "lan", "198.51.100.60/24", "", "br0", ""},
	}
	for i, w := range want {
		a := got[i]
		if a.Name != w.name || a.Server != w.server || a.Network != w.network || a.Address != w.address || a.Gateway != w.gateway {
			t.Errorf("attachment %d = %+v, want %+v", i, a, w)
		}
		br, subnet, ok := c.AttachmentBridge(a.Server, a.Network)
		if !ok || br != w.bridge || subnet != w.subnet {
			t.Errorf("%s: bridge %q %q %v, want %q %q", a.Name, br, subnet, ok, w.bridge, w.subnet)
		}
	}
	if !got[1].DHCP {
		t.Errorf("web2 not DHCP")
	}
	if server, id := got[0].OrderResource(); server != "s1" || id != "netns/web1" {
		t.Errorf("order resource = %s %s, want s1 netns/web1", server, id)
	}
}

// TestNameProblem checks the names an attachment may have: at most 12
// characters, for the host's veth at-NAME.
func TestNameProblem(t *testing.T) {
	for name, bad := range map[string]bool{"web1": false, "abcdefghijkl": false, "abcdefghijklm": true, "1web": true, "we.b": true} {
		if summary, _ := nameProblem(name); (summary != "") != bad {
			t.Errorf("nameProblem(%q) = %q, want bad %v", name, summary, bad)
		}
	}
}

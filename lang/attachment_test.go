package lang

import (
	"os"
	"testing"
)

func TestAttachments(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/attachment/cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, diags := testLoadFiles(map[string][]byte{"cluster.hcl": src}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(c.Attachments) != 4 {
		t.Fatalf("attachments = %d, want 4", len(c.Attachments))
	}
	want := []struct{ name, server, network, address, gateway, bridge, subnet string }{
		{"web1", "s1", "vx1", "100.64.10.50/24", "100.64.10.1", "vxl0", "100.64.10.0/24"},
		{"web2", "s2", "vx1", "", "", "vxl0", "100.64.10.0/24"},
		{"c1", "s1", AttachSubnet, "100.65.1.20/24", "", "cbr0", "100.65.1.0/24"},
		{"lan1", "s2", "lan", "198.51.100.60/24", "", "br0", ""},
	}
	for i, w := range want {
		a := c.Attachments[i]
		if a.Name != w.name || a.Server != w.server || a.Network != w.network || a.Address != w.address || a.Gateway != w.gateway {
			t.Errorf("attachment %d = %+v, want %+v", i, a, w)
		}
		br, subnet, ok := c.AttachmentBridge(a)
		if !ok || br != w.bridge || subnet != w.subnet {
			t.Errorf("%s: bridge %q %q %v, want %q %q", a.Name, br, subnet, ok, w.bridge, w.subnet)
		}
	}
	if !c.Attachments[1].DHCP {
		t.Errorf("web2 not DHCP")
	}
}

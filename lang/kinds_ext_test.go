package lang_test

import (
	"slices"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/zclconf/go-cty/cty"
)

// A registered kind's setting marked FirstMember (l2vpn's dhcp_host)
// defaults to the first member, and core code finds the network's bridge
// and DHCP server through lang's interfaces.
func TestRegisteredKindDefaultsAndInterfaces(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(`
server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
network "l2vpn" "v1" {
  subnet  = "100.64.30.0/24"
  dhcp    = true
  servers = ["s2", "s1"]
}
attachment "a" {
  server  = "s1"
  network = "v1"
  dhcp    = true
}
`)}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	n := c.NetworkNamed("v1")
	if host, on := n.Spec.(lang.DHCPNetwork).DHCPServer(); host != "s2" || !on {
		t.Errorf("DHCP server = %q %v, want the first member s2", host, on)
	}
	if br, subnet, ok := c.ContainerBridge("v1", nil); br != "vpl0" || subnet != "100.64.30.0/24" || !ok {
		t.Errorf("ContainerBridge = %q %q %v", br, subnet, ok)
	}
	if got := c.NetworkServers("v1"); !slices.Equal(got, []string{"s2", "s1"}) {
		t.Errorf("NetworkServers = %v", got)
	}
	if br, subnet, ok := c.AttachmentBridge("s1", "v1"); br != "vpl0" || subnet != "100.64.30.0/24" || !ok {
		t.Errorf("AttachmentBridge = %q %q %v", br, subnet, ok)
	}
}

// FirstMember without a servers setting to take the first member from is
// a programming error, refused at registration.
func TestFirstMemberNeedsServers(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a FirstMember attribute in a kind without servers was registered")
		}
	}()
	lang.NewKinds().AddNetwork(lang.NetworkKind{Name: "x", Attrs: []lang.Attr{
		{Name: "dhcp_host", Type: cty.String, Grammar: "server-ref", FirstMember: true},
	}})
}

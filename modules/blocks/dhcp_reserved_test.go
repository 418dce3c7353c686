package blocks

import (
	"net/netip"
	"strings"
	"testing"
)

// TestDHCPNoPingReserved: dnsmasq runs without its ping check, and the
// static addresses inside the pool (only those) are reserved.
func TestDHCPNoPingReserved(t *testing.T) {
	d := DHCP{Owner: "network.vx1", Interface: "vxl0", Subnet: netip.MustParsePrefix("100.64.10.0/24"),
		Address: netip.MustParseAddr("100.64.10.1"), Domain: "vxapp", Hostname: "s1",
		Static: []netip.Addr{netip.MustParseAddr("100.64.10.200"), netip.MustParseAddr("100.64.10.2"),
			netip.MustParseAddr("100.64.10.200"), netip.MustParseAddr("100.64.10.130")}}
	s := &Set{Owner: d.Owner}
	if err := d.AddTo(s); err != nil {
		t.Fatal(err)
	}
	var conf string
	for _, r := range s.Resources {
		if r.Kind == "file" {
			conf = r.Attrs["content"]
		}
	}
	want := "no-ping\ndhcp-range=100.64.10.128,100.64.10.254,255.255.255.0,12h\n" +
		"dhcp-host=id:drover-static-100.64.10.130,100.64.10.130\ndhcp-host=id:drover-static-100.64.10.200,100.64.10.200\n"
	if !strings.Contains(conf, want) || strings.Contains(conf, "100.64.10.2,") {
		t.Errorf("config lacks %q (or reserves an address outside the pool):\n%s", want, conf)
	}
}

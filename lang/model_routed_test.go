package lang

import (
	"slices"
	"testing"
)

func TestRoutedSubnets(t *testing.T) {
	c, diags := testLoadFiles(map[string][]byte{"c.hcl": []byte(`
server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}
server "s2" {
  address = "198.51.100.2"
  subnet  = "100.65.2.0/24"
}
server "s3" {
  address = "198.51.100.3"
  subnet  = "100.65.3.0/24"
}
network "bgp" "bnet" {
  servers = ["s1", "s2"]
  member "s2" { announce = ["100.66.2.0/24", "0.0.0.0/0"] }
}
network "wireguard" "wg" {
  subnet  = "100.64.20.0/24"
  servers = ["s3"]
  member "s1" { interface = "" }
}
`)}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	got := c.RoutedSubnets("s2")
	want := []string{"100.65.1.0/24", "100.65.2.0/24", "100.66.2.0/24"}
	if !slices.Equal(got, want) {
		t.Errorf("s2 routes %v, want %v (no default route, no WireGuard it is not in)", got, want)
	}
	got = c.RoutedSubnets("s3")
	want = []string{"100.64.20.0/24", "100.65.3.0/24", "100.65.1.0/24"}
	if !slices.Equal(got, want) {
		t.Errorf("s3 routes %v, want %v", got, want)
	}
}

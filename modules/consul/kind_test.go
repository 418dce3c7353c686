package consul

import (
	"slices"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
)

const discoveryHCL = `
server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}
server "s2" {
  address = "198.51.100.2"
  subnet  = "100.65.2.0/24"
}
consul {
  package = "consul"
}
endpoint "consul-1" {
  server  = "s1"
  address = "100.65.1.10"
}
consul_service "minio" {
  address = "100.65.2.20"
  port    = 9000
  server  = "s2"
}
consul_check "minio-up" {
  service = "minio"
  http    = "http://100.65.2.20:9000/"
}
`

func testKinds() *lang.Kinds {
	k := lang.NewKinds()
	for _, bk := range Kinds() {
		k.AddBlock(bk)
	}
	return k
}

// TestKinds loads the Consul blocks: the package's binary, every server
// an agent, ad hoc registrations on their server or the first endpoint's,
// and the .consul domain forwarded.
func TestKinds(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(discoveryHCL)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	k := Of(c)
	if k == nil || k.Binary != packageBinary || k.Datacenter != "dc1" || !slices.Equal(k.Servers, []string{"s1", "s2"}) {
		t.Fatalf("consul = %+v", k)
	}
	if eps := Endpoints(c); len(eps) != 1 || eps[0].Server != "s1" || eps[0].Network != lang.SubnetNetwork || eps[0].Address != "100.65.1.10" {
		t.Errorf("endpoints = %+v", eps)
	}
	if s := AdHocServices(c); len(s) != 1 || s[0].Server != "s2" || s[0].Port != 9000 || s[0].Check != container.CheckTCP {
		t.Errorf("services = %+v", s)
	}
	if ks := AdHocChecks(c); len(ks) != 1 || ks[0].Server != "s1" || ks[0].Kind != container.CheckHTTP || ks[0].Interval != "10s" {
		t.Errorf("checks = %+v (the server defaults to the first endpoint's)", ks)
	}
	if !On(c) || !slices.Equal(c.DNSForwards(), []string{"/consul/127.0.0.1#8600"}) {
		t.Errorf("on %v, forwards %q", On(c), c.DNSForwards())
	}
}

// TestWithoutConsul: no consul block, no forwarding, and registrations
// say what is missing.
func TestWithoutConsul(t *testing.T) {
	src := "server \"s1\" {\n  address = \"198.51.100.1\"\n}\nconsul_check \"up\" {\n  tcp = \"100.65.1.20:9000\"\n}\n"
	c, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(src)}, lang.Options{Kinds: testKinds()})
	if !diags.HasErrors() || diags[0].Summary != "Consul is not declared" {
		t.Fatalf("diags = %v", diags)
	}
	if c != nil && (On(c) || c.DNSForwards() != nil) {
		t.Errorf("Consul on without a consul block")
	}
}

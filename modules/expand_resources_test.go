package modules_test

import (
	"reflect"
	"testing"

	"github.com/drover/drover/modules"
)

// ExpandResources is Expand without the checks: the same resources in the
// same order on every host, and no check anywhere.
func TestExpandResourcesIsExpandWithoutChecks(t *testing.T) {
	c := loadCluster(t, payloadServers+`
network "vxlan" "vx2" {
  subnet    = "100.64.11.0/24"
  servers   = ["s1", "s2"]
  bridge    = "vxl1"
  vni       = 43
  dhcp_host = "s1"
}
service "agent" {
  command = "/usr/local/bin/agent"
}
file "motd" {
  path    = "/etc/motd"
  content = "hello\n"
}
`)
	full, err := modules.Expand(c, payloadFacts(c))
	if err != nil {
		t.Fatal(err)
	}
	lean, err := modules.ExpandResources(c, payloadFacts(c))
	if err != nil {
		t.Fatal(err)
	}
	checks := 0
	for name, h := range full.Hosts {
		checks += len(h.Checks)
		l := lean.Hosts[name]
		if l == nil {
			t.Fatalf("%s: no desired state without checks", name)
		}
		if len(l.Checks) != 0 {
			t.Errorf("%s: %d checks", name, len(l.Checks))
		}
		if !reflect.DeepEqual(l.Resources, h.Resources) {
			t.Errorf("%s: resources differ", name)
		}
	}
	if checks == 0 || len(lean.Hosts) != len(full.Hosts) {
		t.Fatalf("%d checks in all, %d and %d hosts: the test proves nothing", checks, len(full.Hosts), len(lean.Hosts))
	}
}

package modules_test

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/drover/drover/bench/sim"
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

// A host's fact scope is all its desired state reads: expanded with the
// facts of its scope's servers alone, every host of every expansion
// fixture and playbook that has a scope wants what it wants with the
// whole fleet's facts. A plan that plans a host once its scope's facts
// are in (runner: Options.FactScope) therefore plans what a plan that
// waits for every host's plans.
func TestFactScopeIsEnough(t *testing.T) {
	scoped := 0
	for _, ec := range expansionCases(t) {
		facts := ec.facts
		if facts == nil { // a playbook: facts of one interface holding each address
			facts = simFacts(ec.c)
		}
		if compareScoped(t, ec.name, ec.c, facts) {
			scoped++
		}
	}
	c := loadScopeCluster(t)
	if !compareScoped(t, "peer interfaces", c, peerInterfaceFacts()) {
		t.Fatal("peer interfaces: no fact scope")
	}
	if scoped < 3 {
		t.Errorf("only %d fixtures and playbooks have a fact scope: the test compares too little", scoped)
	}
}

// A scope of the host alone is not enough where a member's entries for
// its peers read the peers' facts (an underlay interface named on the
// member): the comparison above can fail.
func TestFactScopeOfTheHostAloneIsNot(t *testing.T) {
	c := loadScopeCluster(t)
	facts := peerInterfaceFacts()
	whole, err := modules.Expand(c, facts)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := modules.NewStream(c, map[string]*core.Facts{"s1": facts["s1"]}, false).Hosts([]string{"s1"})
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(alone.Hosts["s1"], whole.Hosts["s1"]) {
		t.Fatal("s1 expanded with its own facts alone wants what it wants with s2's: the scope test cannot fail")
	}
}

// compareScoped expands each host of c with its scope's facts alone and
// reports where that differs from the whole expansion; false when c has
// no fact scope.
func compareScoped(t *testing.T, name string, c *lang.Cluster, facts map[string]*core.Facts) bool {
	t.Helper()
	scope, ok := modules.FactScope(c)
	if !ok {
		return false
	}
	whole, wholeErr := modules.Expand(c, facts)
	for _, srv := range c.Servers {
		some := map[string]*core.Facts{}
		for _, s := range scope(srv.Name) {
			if f, ok := facts[s]; ok {
				some[s] = f
			}
		}
		got, err := modules.NewStream(c, some, false).Hosts([]string{srv.Name})
		switch {
		case (err != nil) != (wholeErr != nil):
			t.Errorf("%s: %s with its scope's facts: %v; with every host's: %v", name, srv.Name, err, wholeErr)
		case err == nil && !reflect.DeepEqual(got.Hosts[srv.Name], whole.Hosts[srv.Name]):
			t.Errorf("%s: %s with its scope's facts %v differs from the whole expansion:\n got %+v\nwant %+v",
				name, srv.Name, scope(srv.Name), got.Hosts[srv.Name], whole.Hosts[srv.Name])
		}
	}
	return true
}

// simFacts are facts for every server of c with an IP address: one
// interface holding it (bench/sim).
func simFacts(c *lang.Cluster) map[string]*core.Facts {
	out := map[string]*core.Facts{}
	for _, s := range c.Servers {
		if _, err := netip.ParseAddr(s.Address); err == nil {
			out[s.Name] = sim.Facts(s.Name, s.Address)
		}
	}
	return out
}

// loadScopeCluster is a VXLAN network whose members name their underlay
// interface: each member's local address, in its peers' entries, comes
// from its own facts.
func loadScopeCluster(t *testing.T) *lang.Cluster {
	t.Helper()
	c := loadCluster(t, `
server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }
network "vxlan" "vx" {
  subnet  = "100.64.7.0/24"
  servers = ["s1:eth1", "s2:eth1"]
}
file "motd" {
  path    = "/etc/motd"
  content = "hello\n"
}
`)
	return c
}

// peerInterfaceFacts give s1 and s2 an eth1 on a second underlay.
func peerInterfaceFacts() map[string]*core.Facts {
	out := map[string]*core.Facts{}
	for i, name := range []string{"s1", "s2", "s3"} {
		f := sim.Facts(name, "198.51.100."+string(rune('1'+i)))
		f.Interfaces = append(f.Interfaces, core.Interface{Name: "eth1", MTU: 1450, Up: true, Addrs: []string{"203.0.113." + string(rune('1'+i)) + "/24"}})
		out[name] = f
	}
	return out
}

package vip

import (
	"os"
	"testing"
	"time"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/database"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/modules/web"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// TestKind loads lang's services fixture and checks the VIPs' model:
// generated names, prefixes, router ids, priorities and timing defaults.
func TestKind(t *testing.T) {
	src, err := os.ReadFile("../../lang/testdata/valid/services/cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	kinds := lang.NewKinds() // the fixture's kinds
	for _, k := range []lang.BlockKind{lb.Kind(), web.Kind(), Kind(), database.Kind()} {
		kinds.AddBlock(k)
	}
	c, diags := lang.LoadFiles(map[string][]byte{"cluster.hcl": src}, lang.Options{Kinds: kinds})
	if diags.HasErrors() {
		t.Fatalf("errors: %s", diags.Error())
	}
	ignore := cmpopts.IgnoreTypes(hcl.Range{})
	wantVIPs := []*Decl{{
		Name: "vip-198-51-100-100", Address: "198.51.100.100", Prefix: 24, RouterID: 100,
		Servers: []Member{{"s1", 150}, {"s2", 200}}, Track: "/usr/bin/pgrep -x haproxy", TrackInterval: time.Second, TrackFall: 2, TrackRise: 2, AdvertInterval: 250 * time.Millisecond,
	}, {
		Name: "v2", Address: "198.51.100.101", Prefix: 32, RouterID: 101, Multicast: true,
		Servers: []Member{{"s2", 150}, {"s1", 140}}, TrackInterval: time.Second, TrackFall: 2, TrackRise: 2, AdvertInterval: time.Second,
	}}
	if d := cmp.Diff(wantVIPs, lang.DeclsOf[*Decl](c), ignore); d != "" {
		t.Errorf("VIPs (-want +got):\n%s", d)
	}

}

// testKinds are the kinds the package's tests load with: the VIP alone.
func testKinds() *lang.Kinds {
	k := lang.NewKinds()
	k.AddBlock(Kind())
	return k
}

package database

import (
	"os"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/modules/vip"
	"github.com/drover/drover/modules/web"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// TestKind loads lang's services fixture and checks the databases' model:
// users, client ranges and ports by default.
func TestKind(t *testing.T) {
	src, err := os.ReadFile("../../lang/testdata/valid/services/cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, diags := lang.LoadFiles(map[string][]byte{"cluster.hcl": src}, lang.Options{Kinds: fixtureKinds()})
	if diags.HasErrors() {
		t.Fatalf("errors: %s", diags.Error())
	}
	wantDBs := []*Decl{{
		Engine: MariaDB, Server: "s1", Instance: "mariadb-s1", Name: "wordpress", User: "wordpress",
		Allow: "100.65.1.0/24", Port: 3306, Listen: "0.0.0.0",
	}, {
		Engine: PostgreSQL, Server: "s2", Instance: "postgresql-s2", Name: "discourse", User: "disc",
		Password: "s3cret", Allow: "198.51.100.0/24", Port: 5432, Listen: "0.0.0.0",
	}}
	if d := cmp.Diff(wantDBs, lang.DeclsOf[*Decl](c), cmpopts.IgnoreTypes(hcl.Range{})); d != "" {
		t.Errorf("databases (-want +got):\n%s", d)
	}
}

// fixtureKinds are the kinds lang's services fixture declares.
func fixtureKinds() *lang.Kinds {
	k := lang.NewKinds()
	for _, bk := range []lang.BlockKind{lb.Kind(), web.Kind(), vip.Kind(), Kind()} {
		k.AddBlock(bk)
	}
	return k
}

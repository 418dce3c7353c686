package web_test

import (
	"os"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/modules/web"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// TestKind loads lang's services fixture and checks the web servers'
// model: generated names, defaults, published ports and apps.
func TestKind(t *testing.T) {
	src, err := os.ReadFile("../../lang/testdata/valid/services/cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, diags := lang.LoadFiles(map[string][]byte{"cluster.hcl": src}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatalf("errors: %s", diags.Error())
	}
	wantWeb := []*web.Decl{{
		Name: "web-s1-8000", Server: "s1", Port: 8000, TLSPort: 9443, Resolvers: []string{},
		Publish: []lb.Published{{ServerPort: 8080, Port: 8000}}, HostsOn: []string{"s2"},
		Apps: []web.App{
			{Host: "minio.example.test", Upstream: "100.64.10.2:9000"},
			{Host: "chat.example.test", Upstream: "chat:8065", TLS: &lb.TLS{Port: 443, Names: []string{"chat.example.test", "198.51.100.1"}}},
		},
	}}
	if d := cmp.Diff(wantWeb, lang.DeclsOf[*web.Decl](c), cmpopts.IgnoreTypes(hcl.Range{})); d != "" {
		t.Errorf("web servers (-want +got):\n%s", d)
	}
}

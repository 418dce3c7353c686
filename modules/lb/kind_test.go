package lb_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/modules/lb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// TestKind loads lang's services fixture and checks the balancers' model:
// generated names, defaults, parsed backends and published ports.
func TestKind(t *testing.T) {
	src, err := os.ReadFile("../../lang/testdata/valid/services/cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, diags := lang.LoadFiles(map[string][]byte{"cluster.hcl": src}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatalf("errors: %s", diags.Error())
	}
	wantLBs := []*lb.Decl{{
		Name: "haproxy-s1-80", Kind: lb.KindHAProxy, Server: "s1", Port: 80, Mode: "leastconn",
		Backends:    []lb.Backend{{Name: "web1", Address: "100.64.10.2", Port: 8080}, {Name: "100_64_10_3_8080", Address: "100.64.10.3", Port: 8080}},
		HealthCheck: "/health", CheckInterval: 500 * time.Millisecond, TLS: &lb.TLS{Port: 443, Names: []string{}},
		Resolvers: []string{}, Publish: []lb.Published{{ServerPort: 80, Port: 80}, {ServerPort: 8443, Port: 443}},
	}, {
		Name: "ng1", Kind: lb.KindNginx, Server: "s2", Address: "198.51.100.100", Port: 8080, Mode: "round_robin",
		Backends:      []lb.Backend{{Name: "app_service_80", Address: "app.service", Port: 80}},
		CheckInterval: 2 * time.Second, Resolvers: []string{"100.64.10.1"},
		TLS: &lb.TLS{Port: 443, Certificate: "/etc/ssl/certs/ng1.pem", Key: "/etc/ssl/private/ng1.key", Names: []string{}},
	}}
	if d := cmp.Diff(wantLBs, lang.DeclsOf[*lb.Decl](c), cmpopts.IgnoreTypes(hcl.Range{})); d != "" {
		t.Errorf("load balancers (-want +got):\n%s", d)
	}
}

// playbooks/job's load balancer takes its backends from
// job.web.backends.
func TestJobBackends(t *testing.T) {
	c, diags := lang.Load(filepath.Join("..", "..", "playbooks", "job"), lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatalf("playbooks/job does not load: %s", diags.Error())
	}
	wantBackends := []lb.Backend{
		{Name: "web-1", Address: "100.64.10.33", Port: 80}, {Name: "web-2", Address: "100.64.10.34", Port: 80},
		{Name: "web-3", Address: "100.64.10.35", Port: 80}, {Name: "web-4", Address: "100.64.10.36", Port: 80},
	}
	lbs := lang.DeclsOf[*lb.Decl](c)
	if len(lbs) != 1 || !reflect.DeepEqual(lbs[0].Backends, wantBackends) {
		t.Errorf("load balancer backends from job.web.backends: %+v", lbs)
	}
}

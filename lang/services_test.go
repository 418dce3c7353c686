package lang

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// TestServices loads the services fixture and checks the model: generated
// names, defaults, parsed backends and published ports, priorities and
// database defaults.
func TestServices(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/services/cluster.hcl")
	if err != nil {
		t.Fatal(err)
	}
	c, diags := testLoadFiles(map[string][]byte{"cluster.hcl": src}, Options{})
	if diags.HasErrors() {
		t.Fatalf("errors: %s", diags.Error())
	}
	ignore := cmpopts.IgnoreTypes(hcl.Range{})

	wantLBs := []*LoadBalancer{{
		Name: "haproxy-s1-80", Kind: LBHAProxy, Server: "s1", Port: 80, Mode: "leastconn",
		Backends:    []Backend{{Name: "web1", Address: "100.64.10.2", Port: 8080}, {Name: "100_64_10_3_8080", Address: "100.64.10.3", Port: 8080}},
		HealthCheck: "/health", CheckInterval: 500 * time.Millisecond, TLS: &TLS{Port: 443, Names: []string{}},
		Resolvers: []string{}, Publish: []Publish{{80, 80}, {8443, 443}},
	}, {
		Name: "ng1", Kind: LBNginx, Server: "s2", Address: "198.51.100.100", Port: 8080, Mode: "round_robin",
		Backends:      []Backend{{Name: "app_service_80", Address: "app.service", Port: 80}},
		CheckInterval: 2 * time.Second, Resolvers: []string{"100.64.10.1"},
		TLS: &TLS{Port: 443, Certificate: "/etc/ssl/certs/ng1.pem", Key: "/etc/ssl/private/ng1.key", Names: []string{}},
	}}
	if d := cmp.Diff(wantLBs, c.LoadBalancers, ignore); d != "" {
		t.Errorf("load balancers (-want +got):\n%s", d)
	}

	wantWeb := []*WebServer{{
		Name: "web-s1-8000", Server: "s1", Port: 8000, TLSPort: 9443, Resolvers: []string{},
		Publish: []Publish{{8080, 8000}}, HostsOn: []string{"s2"},
		Apps: []App{
			{Host: "minio.example.test", Upstream: "100.64.10.2:9000"},
			{Host: "chat.example.test", Upstream: "chat:8065", TLS: &TLS{Port: 443, Names: []string{"chat.example.test", "198.51.100.1"}}},
		},
	}}
	if d := cmp.Diff(wantWeb, c.WebServers, ignore); d != "" {
		t.Errorf("web servers (-want +got):\n%s", d)
	}

}

package lb

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

func load(t *testing.T, src string) *lang.Cluster {
	t.Helper()
	c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(src)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return c
}

func find(t *testing.T, set *blocks.Set, id string) core.Resource {
	t.Helper()
	for _, r := range set.Resources {
		if r.ID() == id {
			return r
		}
	}
	var ids []string
	for _, r := range set.Resources {
		ids = append(ids, r.ID())
	}
	t.Fatalf("no %s among %v", id, ids)
	return core.Resource{}
}

const cluster = `
server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}
loadbalancer "haproxy" {
  server       = "s1"
  port         = 8080
  backends     = ["web1:100.64.10.2:80", "100.64.10.3:80"]
  mode         = "source"
  health_check = "/up"
  url          = "shop.example.test"
  publish      = ["80:8080", "443"]
  tls {}
}
loadbalancer "nginx" {
  server   = "s1"
  address  = "198.51.100.100"
  backends = ["100.64.10.2:80", "100.64.10.3:80"]
  mode     = "ip_hash"
  workers  = 3
}
`

func TestHAProxy(t *testing.T) {
	c := load(t, cluster)
	set, err := Expand(lang.DeclsOf[*Decl](c)[0], c)
	if err != nil {
		t.Fatal(err)
	}
	tls := find(t, set, "tls/haproxy-s1-8080")
	if tls.Attrs["self_signed"] != "true" || tls.Attrs["names"] != "shop.example.test" || tls.Attrs["bundle"] != "/etc/drover/haproxy-s1-8080.pem" {
		t.Errorf("tls attrs = %v", tls.Attrs)
	}
	file := find(t, set, "file//etc/drover/haproxy-s1-8080.haproxy.cfg")
	for _, want := range []string{
		"bind 100.65.1.1:8080\n", "bind 100.65.1.1:443 ssl crt /etc/drover/haproxy-s1-8080.pem\n", "balance source\n",
		"http-check send meth GET uri /up hdr Host shop.example.test\n",
		"server web1 100.64.10.2:80 check\n", "server 100_64_10_3_80 100.64.10.3:80 check\n", "option redispatch",
	} {
		if !strings.Contains(file.Attrs["content"], want) {
			t.Errorf("config lacks %q:\n%s", want, file.Attrs["content"])
		}
	}
	if file.Attrs["check"] != "haproxy -c -q -f {}" {
		t.Errorf("check = %q", file.Attrs["check"])
	}
	svc := find(t, set, "service/haproxy-s1-8080")
	if svc.Attrs["reload"] != "SIGUSR2" || svc.Attrs["restart_key"] != blocks.Hash(file.Attrs["content"]) {
		t.Errorf("service attrs = %v", svc.Attrs)
	}
	nft := find(t, set, "nft/drover_pub_haproxy_s1_8080")
	for _, want := range []string{"ip daddr 198.51.100.1 tcp dport 80 dnat to 100.65.1.1:8080", "ip daddr 198.51.100.1 tcp dport 443 dnat to 100.65.1.1:443"} {
		if strings.Count(nft.Attrs["content"], want) != 2 { // prerouting and output
			t.Errorf("nft lacks %q twice:\n%s", want, nft.Attrs["content"])
		}
	}
}

func TestNginxOnAnotherAddress(t *testing.T) {
	c := load(t, cluster)
	set, err := Expand(lang.DeclsOf[*Decl](c)[1], c)
	if err != nil {
		t.Fatal(err)
	}
	if s := find(t, set, "sysctl/net.ipv4.ip_nonlocal_bind"); s.Attrs["value"] != "1" {
		t.Errorf("nonlocal bind = %v", s.Attrs)
	}
	file := find(t, set, "file//etc/drover/nginx-s1-80.nginx.conf")
	for _, want := range []string{"worker_processes 3;", "ip_hash;", "server 100.64.10.2:80 max_fails=1 fail_timeout=2s;", "listen 198.51.100.100:80;", "server_name _;"} {
		if !strings.Contains(file.Attrs["content"], want) {
			t.Errorf("config lacks %q:\n%s", want, file.Attrs["content"])
		}
	}
	if svc := find(t, set, "service/nginx-s1-80"); svc.Attrs["reload"] != "SIGHUP" || svc.Attrs["pidfile"] != "/run/nginx-s1-80.nginx.pid" {
		t.Errorf("service attrs = %v", svc.Attrs)
	}
	for _, r := range set.Resources {
		if r.Kind == "nft" || r.Kind == "tls" {
			t.Errorf("unexpected %s", r.ID())
		}
	}
}

// testKinds are the kinds the package's tests load with: the load
// balancer alone.
func testKinds() *lang.Kinds {
	k := lang.NewKinds()
	k.AddBlock(Kind())
	return k
}

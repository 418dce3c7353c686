package web

import (
	"strings"
	"testing"

	"github.com/drover/drover/lang"
)

func TestWebServer(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`
server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
webserver {
  server   = "s1"
  publish  = ["80"]
  hosts_on = ["s2"]
  app "a.example.test" { upstream = "100.64.10.2:9000" }
  app "b.example.test" {
    upstream = "100.64.10.3:80"
    tls {}
  }
}
`)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sets, err := Expand(lang.DeclsOf[*Decl](c)[0], c)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]string{}
	for _, r := range sets["s1"].Resources {
		ids[r.ID()] = r.Attrs
	}
	conf := ids["file//etc/drover/web-s1-80.nginx.conf"]["content"]
	for _, want := range []string{
		"listen 198.51.100.1:80 default_server;", "server_name a.example.test;", "proxy_pass http://app1_a_example_test;",
		"listen 198.51.100.1:443 ssl;", "ssl_certificate /etc/drover/web-s1-80-b.example.test.crt;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx config lacks %q:\n%s", want, conf)
		}
	}
	if tls := ids["tls/web-s1-80-b.example.test"]; tls["names"] != "b.example.test" {
		t.Errorf("tls = %v", tls)
	}
	if _, ok := ids["nft/drover_pub_web_s1_80"]; ok {
		t.Error("publishing port 80 on the address nginx listens on needs no DNAT")
	}
	if len(sets["s2"].Resources) != 2 {
		t.Fatalf("s2 wants %v", sets["s2"].Resources)
	}
	line := sets["s2"].Resources[0].Attrs
	if line["path"] != "/etc/hosts" || line["line"] != "198.51.100.1\ta.example.test\t# drover webserver.web-s1-80" {
		t.Errorf("hosts line = %v", line)
	}
	if len(sets["s1"].Checks) != 5 { // http per app, https for b, the live config, service
		t.Errorf("checks = %v", sets["s1"].Checks)
	}
}

// TestWebServerByNameAndDefaultTLS: an upstream given by name with
// resolvers is resolved when requests come (proxy_pass to a variable, no
// upstream block nginx would resolve once at start), and HTTPS for a name
// no app serves is refused by the default server.
func TestWebServerByNameAndDefaultTLS(t *testing.T) {
	c, diags := lang.LoadFiles(map[string][]byte{"c.hcl": []byte(`
server "s1" { address = "198.51.100.1" }
webserver {
  server    = "s1"
  resolvers = ["100.65.1.1"]
  app "blog.example.test" {
    upstream = "wordpress.app:80"
    tls {}
  }
  app "a.example.test" { upstream = "100.64.10.2:9000" }
}
`)}, lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	sets, err := Expand(lang.DeclsOf[*Decl](c)[0], c)
	if err != nil {
		t.Fatal(err)
	}
	var conf string
	for _, r := range sets["s1"].Resources {
		if r.ID() == "file//etc/drover/web-s1-80.nginx.conf" {
			conf = r.Attrs["content"]
		}
	}
	for _, want := range []string{
		"resolver 100.65.1.1 valid=10s;",
		"set $drover_upstream1 wordpress.app:80;\n\t\t\tproxy_pass http://$drover_upstream1;",
		"upstream app2_a_example_test {", "proxy_pass http://app2_a_example_test;",
		"listen 198.51.100.1:443 ssl default_server;\n\t\tserver_name _;\n",
		"# No certificate for a name no app serves: the handshake fails.\n\t\tssl_reject_handshake on;",
		"add_header X-Drover-Config ",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx config lacks %q:\n%s", want, conf)
		}
	}
	if strings.Contains(conf, "upstream app1_blog") {
		t.Errorf("an upstream block for the name would be resolved at start:\n%s", conf)
	}
}

// testKinds are the kinds the package's tests load with: the web server
// alone.
func testKinds() *lang.Kinds {
	k := lang.NewKinds()
	k.AddBlock(Kind())
	return k
}

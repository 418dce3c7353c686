package lb

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/lang"
)

// TestConfigsPassDaemonChecks renders configs with every optional part
// (resolvers, names as backends, health checks, workers) and has the
// daemons themselves check them, as the file kind does before a config
// replaces the live one. Skipped where the daemons are not installed.
func TestConfigsPassDaemonChecks(t *testing.T) {
	c := load(t, `
server "s1" { address = "198.51.100.1" }
loadbalancer "haproxy" {
  server       = "s1"
  backends     = ["web1:web1.service.test:80", "web2:100.64.10.3:80"]
  mode         = "leastconn"
  health_check = "/health"
  url          = "shop.example.test"
  workers      = 2
  resolvers    = ["100.64.10.1", "100.64.10.2"]
}
loadbalancer "nginx" {
  server    = "s1"
  address   = "127.0.0.1" # nginx -t binds its listen addresses
  port      = 18081
  backends  = ["100.64.10.2:80", "100.64.10.3:80"]
  mode      = "least_conn"
  workers   = 2
  resolvers = ["100.64.10.1"]
  url       = "shop.example.test"
}
`)
	for i, check := range []string{"haproxy -c -q -f", "nginx -q -t -c"} {
		prog := strings.Fields(check)[0]
		t.Run(prog, func(t *testing.T) {
			testkit.NeedProgram(t, prog, map[string]string{"haproxy": "haproxy", "nginx": "nginx-light"}[prog])
			if prog == "nginx" {
				testkit.NeedRoot(t) // nginx -t opens its pid and log files
			}
			checkRendered(t, c, i)
		})
	}
}

// checkRendered expands the ith balancer of c and checks each config file
// it renders with the file's own check command.
func checkRendered(t *testing.T, c *lang.Cluster, i int) {
	set, err := Expand(lang.DeclsOf[*Decl](c)[i], c)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range set.Resources {
		if r.Kind != "file" || r.Attrs["check"] == "" {
			continue
		}
		path := filepath.Join(t.TempDir(), "conf")
		if err := os.WriteFile(path, []byte(r.Attrs["content"]), 0o644); err != nil {
			t.Fatal(err)
		}
		argv := strings.Fields(strings.ReplaceAll(r.Attrs["check"], "{}", path))
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%s rejects the config: %v\n%s\n%s", argv[0], err, out, r.Attrs["content"])
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("the balancer rendered no config file with a check")
	}
}

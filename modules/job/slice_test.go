package job_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job"
)

// Every server of a network gets its own slice of the network's subnet:
// no two overlap, none holds a member's address, a static address a
// container, job or attachment declares there, or the DHCP pool; the same
// HCL gives the same slices; a server's own container subnet is sliced
// for that server alone.
func TestSlicesDisjoint(t *testing.T) {
	src := []byte(`
server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}
server "s2" {
  address = "198.51.100.2"
}
server "s3" {
  address = "198.51.100.3"
}
network "vxlan" "vx1" {
  subnet    = "100.64.10.0/24"
  servers   = ["s1", "s2", "s3"]
  dhcp_host = "s1"
}
network "vxlan" "vx2" {
  subnet  = "100.64.20.0/24"
  bridge  = "vxl1"
  vni     = 43
  servers = ["s1", "s2", "s3"]
}
container "web" {
  runtime = "podman"
  image   = "localhost/web:1"
}
container "c1" {
  servers = ["s1"]
  runtime = "podman"
  image   = "localhost/web:1"
  interface "vx1" {
    address = "100.64.10.70"
  }
  interface "subnet" {}
}
job "web" {
  container = "web"
  count     = 2
  network   = "vx1"
  addresses = "100.64.10.32/28"
}
job "dyn" {
  container = "web"
  count     = 3
  network   = "vx2"
}
attachment "a1" {
  server  = "s2"
  network = "vx2"
  address = "100.64.20.100/24"
}
`)
	c, diags := lang.LoadFiles(map[string][]byte{"cluster.hcl": src}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	statics := []string{"100.64.10.0", "100.64.10.1", "100.64.10.2", "100.64.10.3", "100.64.10.33", "100.64.10.70",
		"100.64.10.128", "100.64.10.200", "100.64.10.255", "100.64.20.1", "100.64.20.100", "100.64.20.128", "100.64.20.255"}
	want := map[string]string{
		"vx1/s1": "100.64.10.16/28", "vx1/s2": "100.64.10.48/28", "vx1/s3": "100.64.10.80/28",
		"vx2/s1": "100.64.20.16/28", "vx2/s2": "100.64.20.32/28", "vx2/s3": "100.64.20.48/28",
		"subnet/s1": "100.65.1.64/26",
	}
	var got []netip.Prefix
	for key, w := range want {
		net, server, _ := cut(key)
		p, err := container.Slice(c, net, server)
		if err != nil || p.String() != w {
			t.Errorf("%s: slice %s (%v), want %s", key, p, err, w)
			continue
		}
		for _, s := range statics {
			if p.Contains(netip.MustParseAddr(s)) {
				t.Errorf("%s: slice %s holds reserved %s", key, p, s)
			}
		}
		for _, q := range got {
			if q.Overlaps(p) {
				t.Errorf("%s: slice %s overlaps %s", key, p, q)
			}
		}
		got = append(got, p)
		if again, _ := container.Slice(c, net, server); again != p {
			t.Errorf("%s: slice %s then %s", key, p, again)
		}
	}
}

func cut(key string) (string, string, bool) {
	for i := range key {
		if key[i] == '/' {
			return key[:i], key[i+1:], true
		}
	}
	return key, "", false
}

// `show jobs` shows the address a job instance without a static one
// reports after apply (its slice address or DHCP lease).
func TestShowRowsLearnedAddress(t *testing.T) {
	src := []byte(`
server "s1" {
  address = "198.51.100.1"
}
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = ["s1"]
}
container "web" {
  runtime = "podman"
  image   = "localhost/web:1"
}
job "web" {
  container = "web"
  network   = "vx1"
}
`)
	c, diags := lang.LoadFiles(map[string][]byte{"cluster.hcl": src}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	facts := map[string]*core.Facts{"s1": {Outputs: map[string]map[string]string{
		"container/web-1": {"job": "web", "instance": "1", "version": "v", "address": "100.64.10.64"}}}}
	query := func(context.Context, string, []core.Check) ([]core.CheckResult, error) {
		return []core.CheckResult{{OK: true}}, nil
	}
	rows, err := job.ShowRows(context.Background(), c, facts, query)
	if err != nil || len(rows) != 1 || rows[0].Address != "100.64.10.64" || rows[0].RunsOn != "s1" {
		t.Errorf("rows = %+v, %v", rows, err)
	}
}

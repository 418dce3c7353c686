package modules_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/fixture"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

// A Stream asked for one host at a time, in any order, gives each host
// exactly what Expand gives it: every expansion fixture (with its facts),
// every playbook (offline) and a cluster whose items depend on an item
// of another server (the cross-host order needs that server expanded too).
func TestStreamHostByHostIsExpand(t *testing.T) {
	for _, ec := range expansionCases(t) {
		compareStream(t, ec.name, ec.c, ec.facts)
	}
	c := loadCluster(t, `
server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }
directory "data" {
  servers = ["s1"]
  path    = "/srv/data"
}
file "export" {
  servers    = ["s2", "s3"]
  path       = "/etc/export"
  content    = "s1:/srv/data\n"
  depends_on = [directory.data]
}
`)
	d := compareStream(t, "cross-host", c, nil)
	if after := d.Hosts["s2"].Resources[0].After; !slices.Contains(after, "s1:directory//srv/data") {
		t.Errorf("s2's file comes after %v, want s1:directory//srv/data among them", after)
	}
}

// compareStream expands c whole and host by host (last server first) and
// reports every host whose desired state differs; it returns the whole.
func compareStream(t *testing.T, name string, c *lang.Cluster, facts map[string]*core.Facts) *core.Desired {
	t.Helper()
	whole, wholeErr := modules.Expand(c, facts)
	st := modules.NewStream(c, facts, false)
	failed := false
	for i := len(c.Servers) - 1; i >= 0; i-- {
		srv := c.Servers[i].Name
		got, err := st.Hosts([]string{srv})
		if err != nil {
			failed = true
			if wholeErr == nil {
				t.Errorf("%s: %s alone: %v, but the whole expands", name, srv, err)
			}
			continue
		}
		if wholeErr != nil {
			continue
		}
		if len(got.Hosts) != 1 {
			t.Errorf("%s: %s alone gives %d hosts", name, srv, len(got.Hosts))
		}
		if !reflect.DeepEqual(got.Hosts[srv], whole.Hosts[srv]) {
			t.Errorf("%s: %s alone differs from the whole expansion:\n got %+v\nwant %+v", name, srv, got.Hosts[srv], whole.Hosts[srv])
		}
	}
	if wholeErr != nil && !failed {
		t.Errorf("%s: the whole fails (%v), every host alone expands", name, wholeErr)
	}
	return whole
}

// expansionCase is a cluster to expand: an expansion fixture with its
// facts, or a playbook (facts nil).
type expansionCase struct {
	name  string
	c     *lang.Cluster
	facts map[string]*core.Facts
}

// expansionCases loads every expansion fixture and every playbook.
func expansionCases(t *testing.T) []expansionCase {
	t.Helper()
	paths, err := filepath.Glob("*/testdata/fixtures/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var out []expansionCase
	for _, path := range paths {
		fx, err := fixture.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		c, diags := lang.LoadFiles(fx.Sources, lang.Options{Kinds: modules.Kinds()})
		if diags.HasErrors() {
			t.Fatalf("%s: %s", path, diags.Error())
		}
		out = append(out, expansionCase{path, c, fx.Facts})
	}
	books, err := filepath.Glob("../playbooks/*/cluster.hcl")
	if err != nil || len(books) == 0 {
		t.Fatalf("no playbooks: %v", err)
	}
	for _, b := range books {
		c, diags := lang.Load(filepath.Dir(b), lang.Options{Kinds: modules.Kinds()})
		if diags.HasErrors() {
			t.Fatalf("%s: %s", b, diags.Error())
		}
		out = append(out, expansionCase{name: b, c: c})
	}
	return out
}

// loadCluster loads src as a cluster's only file, failing the test on
// any error.
func loadCluster(t *testing.T, src string) *lang.Cluster {
	t.Helper()
	c, diags := lang.LoadFiles(map[string][]byte{"cluster.hcl": []byte(src)}, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return c
}

package mesh

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// TestExpandOffline: without facts the MTU is unknown (it comes from the
// underlay), everything else is known; a declared MTU needs no facts.
func TestExpandOffline(t *testing.T) {
	c, errs := load(t, `network "mesh" "m1" {
  subnet  = "100.64.40.0/24"
  servers = ["s1", "s2"]
}
`)
	if errs != "" {
		t.Fatal(errs)
	}
	n := c.Networks[0]
	m := Model(n.Spec)
	sets, err := m.Expand(n, c, map[string]*core.Facts{})
	if err != nil {
		t.Fatal(err)
	}
	br := sets["s2"].Resources[0]
	if br.Attrs["mtu"] != core.Unknown || br.Attrs["priority"] != "32768" || br.Attrs["stp_state"] != "1" {
		t.Errorf("s2 bridge = %v", br.Attrs)
	}
	port := sets["s2"].Resources[1]
	if port.Name != "m1g0" || port.Attrs["remote"] != "198.51.100.1" || port.Attrs["master"] != "m1" {
		t.Errorf("s2 port = %+v", port)
	}
	m.MTU = 1400
	sets, _ = m.Expand(n, c, map[string]*core.Facts{})
	if got := sets["s1"].Resources[1].Attrs["mtu"]; got != "1400" {
		t.Errorf("declared mtu: %s", got)
	}
	for _, ch := range sets["s1"].Checks {
		if ch.Kind == "ping" && ch.Attrs["size"] != "1372" {
			t.Errorf("ping size %s, want 1400 - 28", ch.Attrs["size"])
		}
	}
	if id := m.RootID(); !strings.HasPrefix(id, "1000.") || len(id) != 17 {
		t.Errorf("root id %q", id)
	}
}

// TestExpandNeedsLinks: a model of more than three members without links
// (validation reports it first) does not expand to an unconnected mesh.
func TestExpandNeedsLinks(t *testing.T) {
	m := &Network{Name: "m", Bridge: "m", Members: []lang.Member{{Server: "s1"}, {Server: "s2"}, {Server: "s3"}, {Server: "s4"}}}
	if _, err := m.Expand(&lang.Network{Name: "m", Spec: m}, &lang.Cluster{}, nil); err == nil || !strings.Contains(err.Error(), "needs declared links") {
		t.Errorf("error = %v", err)
	}
}

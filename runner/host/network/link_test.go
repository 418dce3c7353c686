package network

import (
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

func linkRes(name string, attrs map[string]string) core.Resource {
	return core.Resource{Kind: "link", Name: name, Attrs: attrs, Owners: []string{"network.t"}}
}

func TestLinkLifecycle(t *testing.T) {
	hosttest.EnterNetns(t, "link")
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	desired := func(mtu, up, vni string) []core.Resource {
		return []core.Resource{
			linkRes("h2ve0", map[string]string{"type": "veth", "peer": "h2ve1", "mtu": "1500"}),
			linkRes("h2br0", map[string]string{"type": "bridge", "mtu": mtu, "up": up}),
			linkRes("h2vx0", map[string]string{"type": "vxlan", "vni": vni, "dev": "h2ve0", "local": "198.51.100.1",
				"learning": "false", "master": "h2br0", "mtu": "1450"}),
		}
	}
	hosttest.MustRun(t, "ip", "addr", "add", "198.51.100.1/24", "dev", "lo")
	hosttest.Converge(t, kinds, m, desired("1450", "true", "42"), core.Create, core.Create, core.Create)
	out := hosttest.MustRun(t, "ip", "-d", "link", "show", "h2vx0")
	for _, want := range []string{"vxlan id 42", "local 198.51.100.1", "dev h2ve0", "dstport 4789", "nolearning", "master h2br0", "mtu 1450"} {
		if !strings.Contains(out, want) {
			t.Errorf("h2vx0 lacks %q:\n%s", want, out)
		}
	}
	if out := hosttest.MustRun(t, "ip", "link", "show", "h2br0"); !strings.Contains(out, ",UP") {
		t.Errorf("empty bridge not up: %s", out)
	}

	changes := hosttest.Converge(t, kinds, m, desired("1400", "false", "42"), core.NoOp, core.Update, core.NoOp)
	if f := changes[1].Fields; len(f) != 2 || f[0].Name != "mtu" || f[0].Old != "1450" || f[0].New != "1400" || f[1].Name != "up" {
		t.Errorf("update fields = %+v", f)
	}
	changes = hosttest.Converge(t, kinds, m, desired("1400", "false", "43"), core.NoOp, core.NoOp, core.Replace)
	if f := changes[2].Fields; len(f) != 1 || f[0].Name != "vni" || !f[0].ForcesReplace {
		t.Errorf("replace fields = %+v", f)
	}
	if out := hosttest.MustRun(t, "ip", "-d", "link", "show", "h2vx0"); !strings.Contains(out, "vxlan id 43") || !strings.Contains(out, "master h2br0") {
		t.Errorf("replaced vxlan: %s", out)
	}

	hosttest.Converge(t, kinds, m, nil, core.Delete, core.Delete, core.Delete)
	if out := hosttest.MustRun(t, "ip", "-o", "link"); strings.Contains(out, "h2") {
		t.Errorf("links left after delete:\n%s", out)
	}
	if len(m.Entries) != 0 {
		t.Errorf("manifest not empty: %+v", m.Entries)
	}
}

func TestLinkBadType(t *testing.T) {
	hosttest.EnterNetns(t, "linkbad")
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	changes, _, err := host.Plan(kinds, []core.Resource{linkRes("h2x0", map[string]string{"type": "wireguardish"})}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = host.ApplyChange(kinds, changes[0], m)
	if err == nil || !strings.Contains(err.Error(), "link/h2x0") || !strings.Contains(err.Error(), "wireguardish") {
		t.Errorf("error = %v", err)
	}
}

func TestLinkVethPeer(t *testing.T) {
	hosttest.EnterNetns(t, "veth")
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	veth := func(peer string) []core.Resource {
		return []core.Resource{hosttest.Res("link", "h2p0", map[string]string{"type": "veth", "peer": peer})}
	}
	hosttest.Converge(t, kinds, m, veth("h2p1"), core.Create)
	changes := hosttest.Converge(t, kinds, m, veth("h2p2"), core.Replace)
	if f := changes[0].Fields; len(f) != 1 || f[0].Old != "h2p1" || !f[0].ForcesReplace {
		t.Errorf("fields = %+v", f)
	}
	if out := hosttest.MustRun(t, "ip", "-o", "link"); strings.Contains(out, "h2p1") || !strings.Contains(out, "h2p2@h2p0") {
		t.Errorf("links after replace:\n%s", out)
	}
	hosttest.Converge(t, kinds, m, nil, core.Delete)
}

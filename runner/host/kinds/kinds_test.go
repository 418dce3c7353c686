package kinds

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// testKinds are all the kinds with services kept under dir.
func testKinds(dir string) host.Kinds {
	return New(hosttest.EnvIn(dir))
}

// TestNewHasEveryKind: the areas together give the helper every kind and
// every check it had before the split, each once.
func TestNewHasEveryKind(t *testing.T) {
	want := "addr bridgeport container dbdata directory exec fdb file group line link neigh netns nft package " +
		"rendered route service sql symlink sysctl sysservice tls user wgpeer wireguard"
	if got := strings.Join(slices.Sorted(maps.Keys(New(hosttest.EnvIn(t.TempDir())))), " "); got != want {
		t.Errorf("kinds:\n got %s\nwant %s", got, want)
	}
	wantChecks := "addr bgp consul container dhcp http lease link ping quiet service sqllogin stp tcp wireguard"
	if got := strings.Join(slices.Sorted(maps.Keys(Checks())), " "); got != wantChecks {
		t.Errorf("checks:\n got %s\nwant %s", got, wantChecks)
	}
}

// TestChecksFindTheirKinds: each check that asks a kind about what it made
// finds that kind's interface in New, so none of them answers "no ... kind"
// (lease asks its kind only once the namespace holds an address: the lab
// suite dhcp-leases covers it).
func TestChecksFindTheirKinds(t *testing.T) {
	ks := New(hosttest.EnvIn(t.TempDir()))
	m := hosttest.NewManifest(t)
	for _, c := range []core.Check{
		{Kind: "service", Attrs: map[string]string{"name": "h2t-none"}},
		{Kind: "container", Attrs: map[string]string{"name": "h2t-none"}},
		{Kind: "wireguard", Attrs: map[string]string{"dev": "h2t-none", "peer": "p"}},
		{Kind: "lease", Attrs: map[string]string{"netns": "h2t-none", "subnet": "100.64.0.0/24"}},
		{Kind: "dhcp", Attrs: map[string]string{"bridge": "h2t-none", "subnet": "100.64.0.0/24"}},
		{Kind: "stp", Attrs: map[string]string{"bridge": "h2t-none"}},
	} {
		r := host.RunChecks(ks, Checks(), m, []core.Check{c})[0]
		t.Logf("%s: %s", c.Kind, r.Detail)
		if r.OK || strings.HasPrefix(r.Detail, "no ") && strings.HasSuffix(r.Detail, " kind") {
			t.Errorf("%s check: ok=%v %q", c.Kind, r.OK, r.Detail)
		}
	}
}

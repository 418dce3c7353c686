package network

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
	"github.com/vishvananda/netns"
)

// enterI3bNetns is enterNetns with the "i3b-" prefix, and a second
// namespace, the returned name, holding the port's peer (198.51.100.2/24,
// link i3bpeer).
func enterI3bNetns(t *testing.T, tag string) string {
	t.Helper()
	hosttest.RequireRoot(t)
	runtime.LockOSThread()
	name := fmt.Sprintf("i3b-%s-%d", tag, os.Getpid())
	peer := name + "-peer"
	ns, err := netns.NewNamed(name)
	if err != nil {
		t.Fatalf("create netns %s: %v", name, err)
	}
	t.Cleanup(func() {
		ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("delete netns %s: %v", name, err)
		}
		exec.Command("ip", "netns", "del", peer).Run()
	})
	hosttest.MustRun(t, "ip", "link", "set", "lo", "up")
	hosttest.MustRun(t, "ip", "netns", "add", peer)
	hosttest.MustRun(t, "ip", "link", "add", "i3bport", "type", "veth", "peer", "name", "i3bpeer", "netns", peer)
	hosttest.MustRun(t, "ip", "-n", peer, "addr", "add", "198.51.100.2/24", "dev", "i3bpeer")
	hosttest.MustRun(t, "ip", "-n", peer, "link", "set", "i3bpeer", "up")
	hosttest.MustRun(t, "ip", "addr", "add", "198.51.100.1/24", "dev", "i3bport")
	hosttest.MustRun(t, "ip", "link", "set", "i3bport", "up")
	hosttest.MustRun(t, "ip", "route", "add", "default", "via", "198.51.100.2")
	hosttest.MustRun(t, "ip", "route", "add", "100.65.9.0/24", "via", "198.51.100.2", "table", "100")
	return peer
}

func bridgeportRes() core.Resource {
	return core.Resource{Kind: "bridgeport", Name: "i3bbr", Attrs: map[string]string{"port": "i3bport"}, Owners: []string{"network.lan"}}
}

// TestBridgePortMovesAndBack: the address, the default route and a route
// of another table move to the bridge, the peer stays reachable, a second
// plan is a no-op, and deleting moves everything back.
func TestBridgePortMovesAndBack(t *testing.T) {
	enterI3bNetns(t, "bp")
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	mac := linkMAC(t, "i3bport")
	hosttest.Converge(t, kinds, m, []core.Resource{bridgeportRes()}, core.Create)

	if out := hosttest.MustRun(t, "ip", "-br", "addr", "show", "i3bbr"); !strings.Contains(out, "198.51.100.1/24") {
		t.Errorf("bridge lacks the address: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "-4", "addr", "show", "i3bport"); strings.Contains(out, "inet ") {
		t.Errorf("port kept an address: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "link", "show", "i3bport"); !strings.Contains(out, "master i3bbr") {
		t.Errorf("port not enslaved: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "default"); !strings.Contains(out, "via 198.51.100.2 dev i3bbr") {
		t.Errorf("default route not moved: %q", out)
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "table", "100"); !strings.Contains(out, "100.65.9.0/24 via 198.51.100.2 dev i3bbr") {
		t.Errorf("table 100 route not moved: %q", out)
	}
	if got := linkMAC(t, "i3bbr"); got != mac {
		t.Errorf("bridge MAC %s, want the port's %s", got, mac)
	}
	hosttest.MustRun(t, "ping", "-c", "1", "-W", "2", "198.51.100.2")
	if out := host.ManifestOutputs(kinds, m); out["bridgeport/i3bbr"]["port"] != "i3bport" {
		t.Errorf("outputs = %v", out)
	}

	hosttest.Converge(t, kinds, m, nil, core.Delete)
	if out := hosttest.MustRun(t, "ip", "-br", "addr", "show", "i3bport"); !strings.Contains(out, "198.51.100.1/24") {
		t.Errorf("address not moved back: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "default"); !strings.Contains(out, "via 198.51.100.2 dev i3bport") {
		t.Errorf("default route not moved back: %q", out)
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "table", "100"); !strings.Contains(out, "dev i3bport") {
		t.Errorf("table 100 route not moved back: %q", out)
	}
	if out, err := exec.Command("ip", "link", "show", "i3bbr").CombinedOutput(); err == nil {
		t.Errorf("bridge left behind: %s", out)
	}
	hosttest.MustRun(t, "ping", "-c", "1", "-W", "2", "198.51.100.2")
}

// TestBridgePortRollsBack: when a step fails midway (the bridge refuses
// the port's IPv6 address), every step before it is undone.
func TestBridgePortRollsBack(t *testing.T) {
	enterI3bNetns(t, "bprb")
	hosttest.MustRun(t, "ip", "link", "add", "i3bbr", "type", "bridge")
	hosttest.MustRun(t, "sysctl", "-qw", "net.ipv6.conf.i3bbr.disable_ipv6=1")
	hosttest.MustRun(t, "ip", "addr", "add", "2001:db8::1/64", "dev", "i3bport", "nodad")
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	changes, _, err := host.Plan(kinds, []core.Resource{bridgeportRes()}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = host.ApplyChange(kinds, changes[0], m)
	if err == nil || !strings.Contains(err.Error(), "rolled back") || !strings.Contains(err.Error(), "2001:db8::1/64") {
		t.Fatalf("apply error = %v, want a rolled back failure naming the address", err)
	}
	out := hosttest.MustRun(t, "ip", "-br", "addr", "show", "i3bport")
	if !strings.Contains(out, "198.51.100.1/24") || !strings.Contains(out, "2001:db8::1/64") {
		t.Errorf("port lost addresses: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "-br", "addr", "show", "i3bbr"); strings.Contains(out, "198.51.100.1") {
		t.Errorf("bridge kept an address: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "link", "show", "i3bport"); strings.Contains(out, "master") {
		t.Errorf("port still enslaved: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "route", "show", "default"); !strings.Contains(out, "dev i3bport") {
		t.Errorf("default route lost: %q", out)
	}
	hosttest.MustRun(t, "ping", "-c", "1", "-W", "2", "198.51.100.2")
}

func linkMAC(t *testing.T, name string) string {
	t.Helper()
	f := strings.Fields(hosttest.MustRun(t, "ip", "-br", "link", "show", name))
	if len(f) < 3 {
		t.Fatalf("ip -br link show %s: %v", name, f)
	}
	return f[2]
}

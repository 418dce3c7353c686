package network

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// TestNetnsStatic: a namespace on a bridge with a static address and a
// default route; reachable from the bridge, idempotent, deleted clean.
func TestNetnsStatic(t *testing.T) {
	enterI3bNetns(t, "ns")
	hosttest.MustRun(t, "ip", "link", "add", "i3bbr0", "type", "bridge")
	hosttest.MustRun(t, "ip", "link", "set", "i3bbr0", "mtu", "1450", "up")
	hosttest.MustRun(t, "ip", "addr", "add", "100.64.99.1/24", "dev", "i3bbr0")
	name := fmt.Sprintf("i3b-ns%d", os.Getpid()%10000)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	r := core.Resource{Kind: "netns", Name: name, Owners: []string{"attachment.x"}, Attrs: map[string]string{
		"bridge": "i3bbr0", "address": "100.64.99.50/24", "gateway": "100.64.99.1",
	}}
	hosttest.Converge(t, kinds, m, []core.Resource{r}, core.Create)
	out := hosttest.MustRun(t, "ip", "netns", "exec", name, "ip", "-4", "-o", "addr", "show", "eth0")
	if !strings.Contains(out, "100.64.99.50/24") {
		t.Errorf("eth0: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "netns", "exec", name, "ip", "route"); !strings.Contains(out, "default via 100.64.99.1 dev eth0") {
		t.Errorf("routes: %s", out)
	}
	if out := hosttest.MustRun(t, "ip", "netns", "exec", name, "ip", "link", "show", "eth0"); !strings.Contains(out, "mtu 1450") {
		t.Errorf("eth0 mtu: %s", out)
	}
	veth := "at-" + name
	if out := hosttest.MustRun(t, "ip", "link", "show", veth); !strings.Contains(out, "master i3bbr0") {
		t.Errorf("veth: %s", out)
	}
	hosttest.MustRun(t, "ping", "-c", "1", "-W", "2", "100.64.99.50")
	if o := host.ManifestOutputs(kinds, m)["netns/"+name]; o["address"] != "100.64.99.50/24" || o["state"] != "up" {
		t.Errorf("outputs = %v", o)
	}

	// Another address replaces the namespace.
	r2 := r
	r2.Attrs = map[string]string{"bridge": "i3bbr0", "address": "100.64.99.51/24", "gateway": "100.64.99.1"}
	hosttest.Converge(t, kinds, m, []core.Resource{r2}, core.Replace)
	hosttest.MustRun(t, "ping", "-c", "1", "-W", "2", "100.64.99.51")

	hosttest.Converge(t, kinds, m, nil, core.Delete)
	if out, err := exec.Command("ip", "link", "show", veth).CombinedOutput(); err == nil {
		t.Errorf("veth left: %s", out)
	}
	if _, err := os.Stat("/run/netns/" + name); err == nil {
		t.Errorf("namespace %s left", name)
	}
}

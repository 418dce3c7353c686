package host_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

func TestFactsInNetns(t *testing.T) {
	hosttest.EnterNetns(t, "facts")
	hosttest.MustRun(t, "ip", "link", "add", "h2f0", "type", "veth", "peer", "name", "h2f1")
	hosttest.MustRun(t, "ip", "addr", "add", "198.51.100.7/24", "dev", "h2f0")
	hosttest.MustRun(t, "ip", "link", "set", "h2f0", "mtu", "1400", "up")
	hosttest.MustRun(t, "ip", "route", "add", "default", "via", "198.51.100.254", "dev", "h2f0", "onlink")
	start := time.Now()
	f, err := host.GatherFacts()
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("facts in %v: kinds %v, commands %v", took, f.LinkKinds, f.Commands)
	if f.Arch != runtime.GOARCH || f.Kernel == "" || f.Hostname == "" || f.Distribution == "" {
		t.Errorf("facts = %+v", f)
	}
	for _, k := range []string{"bridge", "vxlan", "veth"} {
		if !f.HasLinkKind(k) {
			t.Errorf("link kind %s missing: %v", k, f.LinkKinds)
		}
	}
	ifc, ok := f.InterfaceWithIP("198.51.100.7")
	if !ok || ifc.Name != "h2f0" || ifc.MTU != 1400 || !ifc.Up {
		t.Errorf("interface = %+v %v", ifc, ok)
	}
	if f.DefaultIface != "h2f0" {
		t.Errorf("default iface = %q", f.DefaultIface)
	}
	if f.Commands["ping"] == "" {
		t.Errorf("ping not found: %v", f.Commands)
	}
	if out := hosttest.MustRun(t, "ip", "-o", "link"); strings.Contains(out, "drvprobe") {
		t.Errorf("probe links left:\n%s", out)
	}
	// The fallback probes in place and leaves nothing behind.
	if inPlace := host.ProbeLinkKindsHere(false); strings.Join(inPlace, " ") != strings.Join(f.LinkKinds, " ") {
		t.Errorf("in-place probe %v != private probe %v", inPlace, f.LinkKinds)
	}
	if out := hosttest.MustRun(t, "ip", "-o", "link"); strings.Contains(out, "drvprobe") {
		t.Errorf("in-place probe links left:\n%s", out)
	}
	if took > 2*time.Second {
		t.Errorf("facts took %v", took)
	}
}

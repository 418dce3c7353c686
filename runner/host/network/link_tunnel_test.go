package network

import (
	"net"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
	"github.com/vishvananda/netlink"
)

func tunnelAttrs(typ, key string) map[string]string {
	r := linkKind{}.Defaults(linkRes("i3bt0", map[string]string{
		"type": typ, "local": "198.51.100.1", "remote": "198.51.100.2", "mtu": "1476", "key": key,
	}))
	return r.Attrs
}

// TestTunnelLinkBuild checks what the helper asks the kernel for, which
// runs everywhere (the namespace lab's kernel has no gre/ipip).
func TestTunnelLinkBuild(t *testing.T) {
	l, err := newLink(tunnelAttrs("gre", "42"))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := l.(*netlink.Gretun)
	if !ok {
		t.Fatalf("gre link is a %T", l)
	}
	if !g.Local.Equal(net.IPv4(198, 51, 100, 1)) || !g.Remote.Equal(net.IPv4(198, 51, 100, 2)) ||
		g.Ttl != 64 || g.PMtuDisc != 1 || g.IKey != 42 || g.OKey != 42 || g.MTU != 1476 || g.Name != "i3bt0" || g.Type() != "gre" {
		t.Errorf("gre link = %+v", g)
	}
	l, err = newLink(tunnelAttrs("ipip", ""))
	if err != nil {
		t.Fatal(err)
	}
	if ip, ok := l.(*netlink.Iptun); !ok || ip.Ttl != 64 || ip.PMtuDisc != 1 || !ip.Remote.Equal(net.IPv4(198, 51, 100, 2)) || ip.Type() != "ipip" {
		t.Errorf("ipip link = %#v", l)
	}
	bad := map[string]map[string]string{
		"key is a GRE setting":    tunnelAttrs("ipip", "7"),
		"is not a number from 1":  tunnelAttrs("gre", "x"),
		"must both be IPv4":       func() map[string]string { a := tunnelAttrs("gre", ""); a["remote"] = "2001:db8::2"; return a }(),
		"ttl=\"300\" is not":      func() map[string]string { a := tunnelAttrs("gre", ""); a["ttl"] = "300"; return a }(),
		"remote=\"nope\" is not ": func() map[string]string { a := tunnelAttrs("gre", ""); a["remote"] = "nope"; return a }(),
	}
	for want, attrs := range bad {
		if _, err := newLink(attrs); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("attrs %v: error %v, want %q", attrs, err, want)
		}
	}
}

// TestTunnelLinkLifecycle creates, reads back, replaces and deletes gre
// and ipip devices. It needs a kernel that makes them, which the namespace
// lab's does not: `make test` leaves it out by name, and the VM tier runs
// it inside a VM with Debian's kernel (testscripts/lab-vm/tunnel.txtar),
// where a kernel without them fails it.
func TestTunnelLinkLifecycle(t *testing.T) {
	enterI3bNetns(t, "tun")
	kinds := host.ProbeLinkKinds()
	for _, typ := range []string{"gre", "ipip", "gretap"} {
		if !slices.Contains(kinds, typ) {
			testkit.Skipf(t, "this kernel cannot make %s links (it makes %v): the VM tier runs this test", typ, kinds)
		}
		k := testKinds(t.TempDir())
		m := hosttest.NewManifest(t)
		key := ""
		if typ != "ipip" {
			key = "42"
		}
		r := linkRes("i3bt0", tunnelAttrs(typ, key))
		hosttest.Converge(t, k, m, []core.Resource{r}, core.Create)
		out := hosttest.MustRun(t, "ip", "-d", "link", "show", "i3bt0")
		// iproute2 prints an IPIP tunnel's inner protocol: "ipip any remote".
		for _, want := range []string{typ + ` (any )?remote 198\.51\.100\.2 local 198\.51\.100\.1 ttl 64`, `mtu 1476`} {
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("%s: lacks %q:\n%s", typ, want, out)
			}
		}
		r2 := linkRes("i3bt0", tunnelAttrs(typ, key))
		r2.Attrs["remote"] = "198.51.100.3"
		hosttest.Converge(t, k, m, []core.Resource{r2}, core.Replace)
		hosttest.Converge(t, k, m, nil, core.Delete)
		if out, err := runOut("ip", "link", "show", "i3bt0"); err == nil {
			t.Errorf("%s: left behind: %s", typ, out)
		}
	}
}

func runOut(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

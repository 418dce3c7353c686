package apps

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

// The kind picks each resource's driver by its runtime (lxc by default),
// reads a container another runtime runs as that runtime (so a changed
// runtime is a replacement) and names an unknown runtime.
func TestContainerRuntimesPickTheDriver(t *testing.T) {
	lxc, podman := newFakeDriver(), newFakeDriver()
	k := containerRuntimes{drivers: map[string]containerDriver{"lxc": lxc, "podman": podman}}
	r := containerResource("1")
	r.Attrs["runtime"] = "podman"
	if _, err := k.Apply(r, false, nil); err != nil {
		t.Fatal(err)
	}
	if len(podman.specs) != 1 || len(lxc.specs) != 0 {
		t.Fatalf("built by the wrong driver: podman %v, lxc %v", podman.specs, lxc.specs)
	}
	actual, exists, err := k.Read(r, nil)
	if err != nil || !exists || actual["runtime"] != "podman" {
		t.Fatalf("read = %v %v %v", actual, exists, err)
	}
	asLXC := k.Defaults(containerResource("1"))
	if asLXC.Attrs["runtime"] != "lxc" {
		t.Errorf("default runtime = %q", asLXC.Attrs["runtime"])
	}
	actual, exists, err = k.Read(asLXC, nil)
	if err != nil || !exists || actual["runtime"] != "podman" {
		t.Errorf("a podman container read as lxc: %v %v %v (want runtime podman: a replacement)", actual, exists, err)
	}
	if !reflect.DeepEqual(k.ReplaceOn(), []string{"runtime"}) {
		t.Errorf("ReplaceOn = %v", k.ReplaceOn())
	}
	if ok, detail := k.CheckOnce("podman", "web-1", ""); !ok {
		t.Errorf("check through podman: %s", detail)
	}
	if ok, _ := k.CheckOnce("", "web-1", ""); ok {
		t.Error("the check without runtime asked podman, not lxc")
	}
	if err := k.Delete(r, nil); err != nil || len(podman.specs) != 0 {
		t.Errorf("delete: %v, left %v", err, podman.specs)
	}
	bad := core.Resource{Kind: "container", Name: "x", Attrs: map[string]string{"runtime": "rkt"}}
	if _, _, err := k.Read(bad, nil); err == nil || !strings.Contains(err.Error(), `container runtime "rkt" is not supported`) {
		t.Errorf("unknown runtime: %v", err)
	}
}

// A container's runtime is not part of the definition compared for a
// rebuild: LXC containers built before runtimes existed are not rebuilt.
func TestRuntimeDoesNotRebuild(t *testing.T) {
	r := containerResource("1")
	spec := map[string]string{}
	for k, v := range r.Attrs {
		spec[k] = v
	}
	r.Attrs["runtime"] = "lxc"
	if !sameDefinition(r, spec) {
		t.Error("adding runtime = lxc changes the definition")
	}
}

// drover's podman network for a bridge: the bridge plugin on the existing
// bridge, its MTU, no gateway role, no masquerade, host-local IPAM and
// nothing else (no firewall or portmap plugin), so podman adds no rule.
func TestPodmanNetworkAddsNoRules(t *testing.T) {
	d := podmanDriver{conf: "/etc/drover/podman", state: "/var/lib/drover-podman", run: "/run/drover-podman"}
	name, data, err := d.cniNetwork("lo", netip.MustParsePrefix("100.64.10.0/24"), "", netip.Prefix{})
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		Name    string           `json:"name"`
		Plugins []map[string]any `json:"plugins"`
	}
	if err := json.Unmarshal(data, &conf); err != nil {
		t.Fatal(err)
	}
	if name != "drover-lo" || conf.Name != name || len(conf.Plugins) != 1 {
		t.Fatalf("network %q: %s", name, data)
	}
	p := conf.Plugins[0]
	for key, want := range map[string]any{"type": "bridge", "bridge": "lo", "isGateway": false, "ipMasq": false, "mtu": float64(65536)} {
		if p[key] != want {
			t.Errorf("%s = %v, want %v", key, p[key], want)
		}
	}
	ipam := p["ipam"].(map[string]any)
	if ipam["type"] != "host-local" || ipam["dataDir"] != "/run/drover-podman/ipam" || ipam["routes"] != nil {
		t.Errorf("ipam = %v", ipam)
	}
	_, data, _ = d.cniNetwork("lo", netip.MustParsePrefix("100.65.1.0/24"), "100.65.1.1", netip.Prefix{})
	if !strings.Contains(string(data), `"gateway": "100.65.1.1"`) || !strings.Contains(string(data), `"dst": "0.0.0.0/0"`) {
		t.Errorf("a gateway gives a default route:\n%s", data)
	}
	if _, _, err := d.cniNetwork("no-such-br0", netip.MustParsePrefix("100.65.1.0/24"), "", netip.Prefix{}); err == nil {
		t.Error("a missing bridge is not an error")
	}
	name, data, _ = d.cniNetwork("lo", netip.MustParsePrefix("100.64.10.0/24"), "", netip.MustParsePrefix("100.64.10.64/27"))
	if name != "drover-lo-slice" || !strings.Contains(string(data), `"rangeStart": "100.64.10.64"`) ||
		!strings.Contains(string(data), `"rangeEnd": "100.64.10.95"`) || !strings.Contains(string(data), `"subnet": "100.64.10.0/24"`) {
		t.Errorf("a slice is host-local's range on the subnet (%s):\n%s", name, data)
	}
}

// A podman container's interfaces: drover's network per bridge with the
// static address and the instance's stable MAC; DHCP is refused.
func TestPodmanNetworkArgs(t *testing.T) {
	d := podmanDriver{conf: t.TempDir(), state: t.TempDir(), run: t.TempDir()}
	args, sliced, err := d.networks("web-1", map[string]string{"net.0": "lo 100.64.10.33/24"})
	if err != nil || len(sliced) != 0 {
		t.Fatal(err)
	}
	want := []string{"--network", "drover-lo:ip=100.64.10.33,mac=" + stableMAC("web-1", 0)}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args = %v, want %v", args, want)
	}
	if _, _, err := d.networks("web-1", map[string]string{"net.0": "lo dhcp"}); err == nil || !strings.Contains(err.Error(), "static address") {
		t.Errorf("dhcp: %v", err)
	}
	if args, _, _ := d.networks("web-1", nil); !reflect.DeepEqual(args, []string{"--network", "none"}) {
		t.Errorf("no interface: %v", args)
	}
}

// The files copied into a podman container: a tar stream with their
// parent directories, root-owned, never a path outside the root.
func TestPodmanFilesArchive(t *testing.T) {
	files := containerFiles(map[string]string{"file:/www/a/index.html": "hi", "file:etc/motd": "m", "image": "x"})
	data, err := tarOf(files)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s owned by %d:%d", h.Name, h.Uid, h.Gid)
		}
	}
	want := []string{"etc/", "etc/motd", "www/", "www/a/", "www/a/index.html"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("archive holds %v, want %v", names, want)
	}
	if got := containerFiles(map[string]string{"file:/../../etc/shadow": "x"}); got["/etc/shadow"] != "x" {
		t.Errorf("a path climbing out is not cleaned inside the root: %v", got)
	}
}

// An interface without a static address takes the lowest free address of
// the server's slice on drover's slice network; a new container of the
// same instance (a new version built aside) keeps the instance's
// address, another instance gets the next; a removed container frees its
// own; Address reports it; a malformed slice is refused.
func TestPodmanSliceAddresses(t *testing.T) {
	d := podmanDriver{conf: t.TempDir(), state: t.TempDir(), run: t.TempDir()}
	spec := map[string]string{"net.0": "lo slice 100.64.10.64/30 100.64.10.0/24"}
	build := func(name, instance string) string {
		t.Helper()
		args, sliced, err := d.networks(instance, spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.slices().record(name, instance, sliced); err != nil {
			t.Fatal(err)
		}
		return args[1]
	}
	if got := build("web-1", "web-1"); got != "drover-lo-slice:ip=100.64.10.64,mac="+stableMAC("web-1", 0) {
		t.Errorf("first: %s", got)
	}
	if got := build("web-2", "web-2"); !strings.HasPrefix(got, "drover-lo-slice:ip=100.64.10.65,") {
		t.Errorf("second instance: %s", got)
	}
	if got := build("web-1-next", "web-1"); !strings.HasPrefix(got, "drover-lo-slice:ip=100.64.10.64,") {
		t.Errorf("new version of web-1: %s", got)
	}
	if err := d.slices().rename("web-1", "web-1-prev"); err != nil {
		t.Fatal(err)
	}
	if err := d.slices().rename("web-1-next", "web-1"); err != nil {
		t.Fatal(err)
	}
	if a, _ := d.Address("web-1"); a != "100.64.10.64" {
		t.Errorf("address of web-1 = %q", a)
	}
	if err := d.slices().remove("web-2"); err != nil {
		t.Fatal(err)
	}
	if got := build("c1", "c1"); !strings.HasPrefix(got, "drover-lo-slice:ip=100.64.10.65,") {
		t.Errorf("after web-2 went: %s", got)
	}
	build("c2", "c2")
	build("c3", "c3")
	if _, _, err := d.networks("c4", spec); err == nil || !strings.Contains(err.Error(), "slice 100.64.10.64/30 is full") {
		t.Errorf("a full slice: %v", err)
	}
	for _, bad := range []string{"lo slice 100.64.10.64/27", "lo slice 100.64.10.65/27 100.64.10.0/24", "lo slice 100.64.11.0/27 100.64.10.0/24"} {
		if _, _, err := d.networks("x", map[string]string{"net.0": bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if a := staticAddress(spec); a != "" {
		t.Errorf("a slice interface has static address %q", a)
	}
}

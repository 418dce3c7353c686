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
	name, data, err := d.cniNetwork("lo", netip.MustParsePrefix("100.64.10.0/24"), "")
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
	_, data, _ = d.cniNetwork("lo", netip.MustParsePrefix("100.65.1.0/24"), "100.65.1.1")
	if !strings.Contains(string(data), `"gateway": "100.65.1.1"`) || !strings.Contains(string(data), `"dst": "0.0.0.0/0"`) {
		t.Errorf("a gateway gives a default route:\n%s", data)
	}
	if _, _, err := d.cniNetwork("no-such-br0", netip.MustParsePrefix("100.65.1.0/24"), ""); err == nil {
		t.Error("a missing bridge is not an error")
	}
}

// A podman container's interfaces: drover's network per bridge with the
// static address and the instance's stable MAC; DHCP is refused.
func TestPodmanNetworkArgs(t *testing.T) {
	d := podmanDriver{conf: t.TempDir(), state: t.TempDir(), run: t.TempDir()}
	args, err := d.networks("web-1", map[string]string{"net.0": "lo 100.64.10.33/24"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--network", "drover-lo:ip=100.64.10.33,mac=" + stableMAC("web-1", 0)}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args = %v, want %v", args, want)
	}
	if _, err := d.networks("web-1", map[string]string{"net.0": "lo dhcp"}); err == nil || !strings.Contains(err.Error(), "static address") {
		t.Errorf("dhcp: %v", err)
	}
	if args, _ := d.networks("web-1", nil); !reflect.DeepEqual(args, []string{"--network", "none"}) {
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

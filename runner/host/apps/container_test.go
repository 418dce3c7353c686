package apps

import (
	"fmt"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// fakeDriver keeps containers in memory and logs what it is asked to do.
type fakeDriver struct {
	specs   map[string]map[string]string
	running map[string]bool
	log     []string
}

func newFakeDriver() *fakeDriver {
	return &fakeDriver{specs: map[string]map[string]string{}, running: map[string]bool{}}
}

func (f *fakeDriver) State(name string) (bool, bool, map[string]string, error) {
	spec, ok := f.specs[name]
	return ok, f.running[name], spec, nil
}
func (f *fakeDriver) Build(name, instance string, spec map[string]string) error {
	f.log = append(f.log, "build "+name)
	f.specs[name] = host.CopyAttrs(spec)
	return nil
}
func (f *fakeDriver) Start(name string) error {
	f.log = append(f.log, "start "+name)
	f.running[name] = true
	return nil
}
func (f *fakeDriver) Stop(name string) error {
	f.log = append(f.log, "stop "+name)
	f.running[name] = false
	return nil
}
func (f *fakeDriver) Destroy(name string) error {
	if _, ok := f.specs[name]; ok {
		f.log = append(f.log, "destroy "+name)
	}
	delete(f.specs, name)
	delete(f.running, name)
	return nil
}
func (f *fakeDriver) Rename(from, to string) error {
	if _, ok := f.specs[to]; ok {
		return fmt.Errorf("%s exists", to)
	}
	f.log = append(f.log, "rename "+from+" "+to)
	f.specs[to], f.running[to] = f.specs[from], f.running[from]
	delete(f.specs, from)
	delete(f.running, from)
	return nil
}
func (f *fakeDriver) Address(name string) (string, error) { return "", nil }
func (f *fakeDriver) Record(name string, spec map[string]string) error {
	f.specs[name] = host.CopyAttrs(spec)
	return nil
}

// brokenStarts is a driver on which version "broken" stops right after it
// starts, so it never becomes healthy.
type brokenStarts struct{ *fakeDriver }

func (b brokenStarts) Start(name string) error {
	b.fakeDriver.Start(name)
	if b.specs[name]["version"] == "broken" {
		b.running[name] = false
	}
	return nil
}

func containerResource(version string) core.Resource {
	r := core.Resource{Kind: "container", Name: "web-1", Attrs: map[string]string{
		"template": "busybox", "version": version, "net.0": "vxl0 100.64.10.33/24", "health_timeout": "50ms",
	}}
	return containerKind{}.Defaults(r)
}

func TestContainerUpgradeAndRollback(t *testing.T) {
	f := newFakeDriver()
	k := containerKind{driver: brokenStarts{f}}
	v1 := containerResource("1")
	if _, err := k.Apply(v1, false, nil); err != nil {
		t.Fatal(err)
	}
	actual, exists, _ := k.Read(v1, nil)
	if !exists || len(host.Diff(v1.Attrs, actual)) != 0 {
		t.Fatalf("after create: exists %v, diff %v", exists, host.Diff(v1.Attrs, actual))
	}
	v2 := containerResource("2")
	if d := host.Diff(v2.Attrs, actual); len(d) != 1 || d[0].Name != "version" {
		t.Fatalf("v2 diff = %+v", d)
	}
	f.log = nil
	if _, err := k.Apply(v2, true, nil); err != nil {
		t.Fatal(err)
	}
	want := "build web-1-next, stop web-1, rename web-1 web-1-prev, rename web-1-next web-1, start web-1, destroy web-1-prev"
	if got := strings.Join(f.log, ", "); got != want {
		t.Errorf("upgrade steps:\n got %s\nwant %s", got, want)
	}
	f.log = nil
	_, err := k.Apply(containerResource("broken"), true, nil)
	if err == nil || !strings.Contains(err.Error(), "version broken failed, rolled back to version 2") {
		t.Fatalf("broken upgrade: %v", err)
	}
	if f.specs["web-1"]["version"] != "2" || !f.running["web-1"] || len(f.specs) != 1 {
		t.Errorf("after rollback: specs %v running %v\nsteps %v", f.specs, f.running, f.log)
	}
	if err := k.Delete(v2, nil); err != nil || len(f.specs) != 0 {
		t.Errorf("delete: %v, left %v", err, f.specs)
	}
}

func TestContainerOperationalChangeDoesNotRebuild(t *testing.T) {
	f := newFakeDriver()
	k := containerKind{driver: f}
	r := containerResource("1")
	k.Apply(r, false, nil)
	f.log = nil
	r.Attrs["interval"] = "5s"
	if _, err := k.Apply(r, true, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.log) != 0 {
		t.Errorf("changing interval rebuilt: %v", f.log)
	}
	if out := k.Outputs(r, nil); out["address"] != "100.64.10.33" || out["version"] != "1" {
		t.Errorf("outputs = %v", out)
	}
}

func TestLXCConfigAndScripts(t *testing.T) {
	spec := map[string]string{"net.0": "lo 100.64.10.33/24 100.64.10.1", "net.1": "lo dhcp", "command": "/bin/busybox httpd -f"}
	conf, err := lxcConfig("web-1", spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lxc.net.0.ipv4.address = 100.64.10.33/24", "lxc.net.0.ipv4.gateway = 100.64.10.1",
		"lxc.net.0.hwaddr = 02:", "lxc.net.1.name = eth1", "lxc.start.auto = 1", "lxc.init.cmd = /drover-init"} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	if strings.Contains(conf, "lxc.net.1.ipv4") {
		t.Errorf("dhcp interface got a static address:\n%s", conf)
	}
	init := initScript("web-1", spec)
	if !strings.Contains(init, "udhcpc -i eth1") || !strings.Contains(init, "exec /bin/busybox httpd -f") {
		t.Errorf("init script:\n%s", init)
	}
	if stableMAC("web-1", 0) != stableMAC("web-1", 0) || stableMAC("web-1", 0) == stableMAC("web-2", 0) {
		t.Error("MAC addresses are not stable per container")
	}
}

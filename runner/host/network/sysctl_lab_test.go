package network

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// In a namespace lab host, a key that is not per namespace is refused at
// plan time (Read), naming the key and the VM tier; per-namespace keys
// work as anywhere.
func TestSysctlInLab(t *testing.T) {
	dir := t.TempDir()
	proc := filepath.Join(dir, "sys")
	for key, v := range map[string]string{"net/ipv4/ip_forward": "0\n", "kernel/core_pattern": "core\n", "kernel/hostname": "s1\n"} {
		os.MkdirAll(filepath.Dir(filepath.Join(proc, key)), 0o755)
		os.WriteFile(filepath.Join(proc, key), []byte(v), 0o644)
	}
	marker := filepath.Join(dir, "drover-lab")
	k := sysctlKind{procDir: proc, labMarker: marker}
	sc := func(key string) core.Resource {
		return hosttest.Res("sysctl", key, map[string]string{"key": key, "value": "1"})
	}

	// Not in a lab: everything is allowed.
	if _, ok, err := k.Read(sc("kernel.core_pattern"), nil); err != nil || !ok {
		t.Fatalf("outside a lab: %v %v", ok, err)
	}
	os.WriteFile(marker, []byte("tier=namespace\n"), 0o644)
	changes, _, err := host.Plan(host.Kinds{"sysctl": k}, []core.Resource{sc("kernel.core_pattern")}, &host.Manifest{}, nil)
	if err == nil {
		t.Fatalf("kernel.core_pattern planned in a lab: %v", changes)
	}
	for _, want := range []string{"kernel.core_pattern", "not per namespace", "drover lab up -vm"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if _, err := k.Apply(sc("kernel.core_pattern"), true, nil); err == nil {
		t.Errorf("kernel.core_pattern applied in a lab")
	}
	if got, _ := os.ReadFile(filepath.Join(proc, "kernel/core_pattern")); string(got) != "core\n" {
		t.Errorf("core_pattern written: %q", got)
	}
	for _, key := range []string{"net.ipv4.ip_forward", "kernel.hostname"} {
		if _, ok, err := k.Read(sc(key), nil); err != nil || !ok {
			t.Errorf("%s in a lab: %v %v", key, ok, err)
		}
	}
	for key, want := range map[string]bool{"net.core.somaxconn": true, "fs.mqueue.msg_max": true, "kernel.sem": true,
		"kernel.semx": false, "vm.swappiness": false, "netx.y": false, "kernel.hostnamex": false} {
		if PerNamespaceSysctl(key) != want {
			t.Errorf("PerNamespaceSysctl(%s) != %v", key, want)
		}
	}
}

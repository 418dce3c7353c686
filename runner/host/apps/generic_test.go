package apps

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

func TestDpkgStatus(t *testing.T) {
	status := filepath.Join(t.TempDir(), "status")
	os.WriteFile(status, []byte("Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: deinstall ok config-files\n\nPackage: c\nStatus: hold ok installed\n"), 0o644)
	k := packageKind{dpkgStatus: status}
	for name, want := range map[string]bool{"a": true, "b": false, "c": true, "d": false} {
		if got, err := k.installed(name, "apt"); err != nil || got != want {
			t.Errorf("%s installed = %v, %v; want %v", name, got, err, want)
		}
	}
	r := k.Defaults(hosttest.Res("package", "b", map[string]string{"state": "absent", "manager": "apt"}))
	if actual, exists, _ := k.Read(r, nil); !exists || actual["state"] != "absent" {
		t.Errorf("absent package read = %v %v", actual, exists)
	}
	r = k.Defaults(hosttest.Res("package", "a", map[string]string{"state": "absent", "manager": "apt"}))
	if fields := host.Diff(r.Attrs, hosttest.MustRead(t, k, r)); len(fields) != 1 || fields[0].Name != "state" {
		t.Errorf("installed package wanted absent: %+v", fields)
	}
}

package apps

import (
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

func TestPackageRead(t *testing.T) {
	hosttest.RequireRoot(t)
	if detectPackageManager() != "apt" {
		testkit.Skip(t, "no dpkg-query")
	}
	kinds := testKinds(t.TempDir())
	m := hosttest.NewManifest(t)
	// dpkg is always installed: a no-op, recorded, and never removed.
	hosttest.Converge(t, kinds, m, []core.Resource{hosttest.Res("package", "dpkg", nil)}, core.NoOp)
	if e, ok := m.Find("package/dpkg"); !ok || e.Resource.Attrs["manager"] != "apt" {
		t.Errorf("manifest = %+v", m.Entries)
	}
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	changes, _, err := host.Plan(kinds, []core.Resource{hosttest.Res("package", "h2t-no-such-package", nil)}, m, nil)
	if err != nil || changes[0].Action != core.Create {
		t.Errorf("missing package: %v %v", changes, err)
	}
}

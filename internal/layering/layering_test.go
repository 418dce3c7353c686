// Package layering holds the test that keeps the pipeline's arrows
// pointing one way: lang → modules → runner → host, with the vocabulary in
// core.
package layering

import (
	"os/exec"
	"strings"
	"testing"
)

// deps lists the packages pkg depends on (go list -deps, tests excluded).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// TestArrows: the pure stages link nothing that touches the kernel, and
// no stage imports one after it.
func TestArrows(t *testing.T) {
	const mod = "github.com/drover/drover/"
	kernel := []string{"github.com/vishvananda/netlink", "github.com/vishvananda/netns",
		"golang.zx2c4.com/wireguard/wgctrl", "golang.org/x/sys/unix"}
	later := func(stages ...string) []string {
		var out []string
		for _, s := range stages {
			out = append(out, mod+s)
		}
		return out
	}
	cases := []struct {
		pkg    string
		forbid []string // packages and their subpackages
	}{
		{mod + "core", append(later("lang", "modules", "runner", "cmd", "lab", "dag"), kernel...)},
		{mod + "lang/...", append(later("modules", "runner", "cmd", "lab"), kernel...)},
		{mod + "modules/...", append(later("runner", "cmd", "lab"), kernel...)},
		{mod + "runner", later("modules", "cmd", "lab")},
		{mod + "runner/host/...", later("lang", "modules", "runner/transport", "runner/helper", "cmd", "lab")},
	}
	for _, c := range cases {
		for _, d := range deps(t, c.pkg) {
			for _, f := range c.forbid {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%s depends on %s", c.pkg, d)
				}
			}
		}
	}
}

package services

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// TestUnitPayloadsInert: whatever lang lets through in a service's name,
// command and pidfile (hostile payloads included) renders a unit with
// exactly the directives of a plain one, and systemd-analyze verify (where
// it works on this machine) accepts it.
func TestUnitPayloadsInert(t *testing.T) {
	b := systemdBackend{unitDir: t.TempDir(), runDir: "/run/drover"}
	plain := core.Resource{Kind: "service", Name: "web", Attrs: map[string]string{"command": "/bin/sleep 1000", "pidfile": "/run/web.pid"}}
	want := directives(b.renderUnit(plain))
	verify := analyzer(t, b, plain)
	accepted := 0
	// The grammars of the service declaration's settings (modules/generic/service.go).
	grammars := map[string]string{"name": "unit-name", "command": "words", "pidfile": "pid-path"}
	for _, attr := range []string{"name", "command", "pidfile"} {
		for _, p := range []string{"\nx=1", ";x", "{", "}", `"`, "'", "#x", "\x00", "%n", "$HOME", "é", " x"} {
			for _, v := range []string{"web", "/bin/sleep 1000", "/run/web.pid"} {
				value := v + p
				if lang.CheckGrammar(grammars[attr], attr, value) != "" {
					continue
				}
				r := core.Resource{Kind: "service", Name: plain.Name, Attrs: map[string]string{"command": plain.Attrs["command"], "pidfile": plain.Attrs["pidfile"]}}
				if attr == "name" {
					r.Name = value
				} else {
					r.Attrs[attr] = value
				}
				unit := b.renderUnit(r)
				if got := directives(unit); strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%s = %q gives directives %v, not %v:\n%s", attr, value, got, want, unit)
				}
				verify(r)
				accepted++
			}
		}
	}
	t.Logf("%d accepted payloads rendered inert", accepted)
}

// directives are the keys of a unit's lines, in order.
func directives(unit string) []string {
	var out []string
	for _, line := range strings.Split(unit, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, _ := strings.Cut(line, "=")
		out = append(out, k)
	}
	return out
}

// analyzer returns a check with systemd-analyze verify, or a no-op where
// systemd-analyze is missing or cannot verify the plain unit here (no
// systemd running).
func analyzer(t *testing.T, b systemdBackend, plain core.Resource) func(core.Resource) {
	check := func(r core.Resource) error {
		path := filepath.Join(b.unitDir, "drover-check.service")
		if err := os.WriteFile(path, []byte(b.renderUnit(r)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
		if err != nil || strings.Contains(string(out), "drover-check.service:") {
			return &exec.ExitError{Stderr: out}
		}
		return nil
	}
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("systemd-analyze not installed: units are compared by their directives only")
		return func(core.Resource) {}
	}
	if err := check(plain); err != nil {
		t.Logf("systemd-analyze cannot verify units here (%s): compared by their directives only", err.(*exec.ExitError).Stderr)
		return func(core.Resource) {}
	}
	return func(r core.Resource) {
		if err := check(r); err != nil {
			t.Errorf("systemd-analyze rejects the unit of %q: %s\n%s", r.Name, err.(*exec.ExitError).Stderr, b.renderUnit(r))
		}
	}
}

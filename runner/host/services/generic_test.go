package services

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

func TestExecGuards(t *testing.T) {
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	stamp := filepath.Join(dir, "stamp")
	count := filepath.Join(dir, "count")
	guarded := hosttest.Res("exec", "stamp", map[string]string{
		"command": "echo run >> " + count + " && touch " + stamp, "creates": stamp, "undo": "rm -f " + stamp,
	})
	hosttest.Converge(t, kinds, m, []core.Resource{guarded}, core.Create)
	hosttest.Converge(t, kinds, m, []core.Resource{guarded}, core.NoOp)
	unless := hosttest.Res("exec", "unless", map[string]string{"command": "echo run >> " + count, "unless": "grep -q run " + count})
	hosttest.Converge(t, kinds, m, []core.Resource{guarded, unless}, core.NoOp, core.NoOp)
	once := hosttest.Res("exec", "once", map[string]string{"command": "echo once >> " + count})
	hosttest.Converge(t, kinds, m, []core.Resource{guarded, unless, once}, core.NoOp, core.NoOp, core.Create)
	once.Attrs["command"] = "echo twice >> " + count
	hosttest.Converge(t, kinds, m, []core.Resource{guarded, unless, once}, core.NoOp, core.NoOp, core.Create)
	if data, _ := os.ReadFile(count); string(data) != "run\nonce\ntwice\n" {
		t.Errorf("runs = %q", data)
	}
	hosttest.Converge(t, kinds, m, nil, core.Delete, core.Delete, core.Delete)
	if _, err := os.Stat(stamp); !os.IsNotExist(err) {
		t.Errorf("undo did not run: %v", err)
	}
	// A failing command names itself and carries its output.
	bad := hosttest.Res("exec", "bad", map[string]string{"command": "echo oops >&2; exit 3"})
	changes, _, _ := host.Plan(kinds, []core.Resource{bad}, m, nil)
	err := host.ApplyChange(kinds, changes[0], m)
	if err == nil || !strings.Contains(err.Error(), "oops") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("error = %v", err)
	}
	// A sensitive command's failure does not repeat the command line, but
	// still says how it failed (the controller hides the secrets it holds
	// from the output: runner's TestHostErrorsHideSecrets).
	secret := hosttest.Res("exec", "login", map[string]string{"command": "echo login failed >&2; exit 4 # s3cret-pass"})
	secret.Sensitive = []string{"command"}
	changes, _, _ = host.Plan(kinds, []core.Resource{bad, secret}, m, nil)
	err = host.ApplyChange(kinds, changes[len(changes)-1], m)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "exit status 4") ||
		!strings.Contains(err.Error(), "exec/login") || !strings.Contains(err.Error(), "login failed") {
		t.Errorf("error = %v", err)
	}
}

func TestSysserviceInitScript(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	state := filepath.Join(dir, "running")
	script := "#!/bin/sh\necho $1 >> " + log + "\ncase $1 in\nstart) touch " + state + ";;\nstop) rm -f " + state + ";;\nstatus) test -e " + state + ";;\nesac\n"
	if err := os.WriteFile(filepath.Join(dir, "demo"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	kinds := testKinds(dir)
	kinds["sysservice"] = sysserviceKind{initDir: dir}
	m := hosttest.NewManifest(t)
	svc := func(key string) []core.Resource {
		return []core.Resource{hosttest.Res("sysservice", "demo", map[string]string{"restart_key": key, "reload": "reload"})}
	}
	hosttest.Converge(t, kinds, m, svc("k1"), core.Update) // known, stopped
	hosttest.Converge(t, kinds, m, svc("k2"), core.Update)
	os.Remove(state) // it died
	hosttest.Converge(t, kinds, m, svc("k2"), core.Update)
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	data, _ := os.ReadFile(log)
	actions := strings.Join(filterLines(string(data), "status"), " ")
	if actions != "start reload start stop" {
		t.Errorf("actions = %q", actions)
	}
	// A service the host does not have plans a create and fails clearly.
	missing := []core.Resource{hosttest.Res("sysservice", "nosuch", nil)}
	changes, _, _ := host.Plan(kinds, missing, m, nil)
	if err := host.ApplyChange(kinds, changes[0], m); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("missing service: %v", err)
	}
}

func filterLines(s, drop string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != drop {
			out = append(out, l)
		}
	}
	return out
}

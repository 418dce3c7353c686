package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

func TestDirectorySymlinkLifecycle(t *testing.T) {
	requireRoot(t) // owner root:root
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := newTestManifest(t)
	app := filepath.Join(dir, "opt", "app")
	link := filepath.Join(dir, "current")
	desired := func(mode, target string) []core.Resource {
		return []core.Resource{
			res("directory", app, map[string]string{"mode": mode}),
			res("symlink", link, map[string]string{"target": target}),
		}
	}
	converge(t, kinds, m, desired("0750", app), core.Create, core.Create)
	if fi, err := os.Stat(app); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("stat = %v, %v", fi, err)
	}
	changes := converge(t, kinds, m, desired("0755", "/tmp"), core.Update, core.Update)
	if f := changes[1].Fields; len(f) != 1 || f[0].Old != app || f[0].New != "/tmp" {
		t.Errorf("symlink fields = %+v", f)
	}
	if got, _ := os.Readlink(link); got != "/tmp" {
		t.Errorf("link -> %q", got)
	}
	converge(t, kinds, m, nil, core.Delete, core.Delete)
	for _, p := range []string{app, link} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s left: %v", p, err)
		}
	}
	// A regular file where the link goes is an error, not overwritten.
	os.WriteFile(link, []byte("x"), 0o644)
	if _, _, err := Plan(kinds, desired("0755", "/tmp")[1:], m, nil); err == nil || !strings.Contains(err.Error(), "not a symbolic link") {
		t.Errorf("plan over a file: %v", err)
	}
}

func TestExecGuards(t *testing.T) {
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := newTestManifest(t)
	stamp := filepath.Join(dir, "stamp")
	count := filepath.Join(dir, "count")
	guarded := res("exec", "stamp", map[string]string{
		"command": "echo run >> " + count + " && touch " + stamp, "creates": stamp, "undo": "rm -f " + stamp,
	})
	converge(t, kinds, m, []core.Resource{guarded}, core.Create)
	converge(t, kinds, m, []core.Resource{guarded}, core.NoOp)
	unless := res("exec", "unless", map[string]string{"command": "echo run >> " + count, "unless": "grep -q run " + count})
	converge(t, kinds, m, []core.Resource{guarded, unless}, core.NoOp, core.NoOp)
	once := res("exec", "once", map[string]string{"command": "echo once >> " + count})
	converge(t, kinds, m, []core.Resource{guarded, unless, once}, core.NoOp, core.NoOp, core.Create)
	once.Attrs["command"] = "echo twice >> " + count
	converge(t, kinds, m, []core.Resource{guarded, unless, once}, core.NoOp, core.NoOp, core.Create)
	if data, _ := os.ReadFile(count); string(data) != "run\nonce\ntwice\n" {
		t.Errorf("runs = %q", data)
	}
	converge(t, kinds, m, nil, core.Delete, core.Delete, core.Delete)
	if _, err := os.Stat(stamp); !os.IsNotExist(err) {
		t.Errorf("undo did not run: %v", err)
	}
	// A failing command names itself and carries its output.
	bad := res("exec", "bad", map[string]string{"command": "echo oops >&2; exit 3"})
	changes, _, _ := Plan(kinds, []core.Resource{bad}, m, nil)
	err := ApplyChange(kinds, changes[0], m)
	if err == nil || !strings.Contains(err.Error(), "oops") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("error = %v", err)
	}
}

func TestDpkgStatus(t *testing.T) {
	status := filepath.Join(t.TempDir(), "status")
	os.WriteFile(status, []byte("Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: deinstall ok config-files\n\nPackage: c\nStatus: hold ok installed\n"), 0o644)
	k := packageKind{dpkgStatus: status}
	for name, want := range map[string]bool{"a": true, "b": false, "c": true, "d": false} {
		if got, err := k.installed(name, "apt"); err != nil || got != want {
			t.Errorf("%s installed = %v, %v; want %v", name, got, err, want)
		}
	}
	r := k.Defaults(res("package", "b", map[string]string{"state": "absent", "manager": "apt"}))
	if actual, exists, _ := k.Read(r, nil); !exists || actual["state"] != "absent" {
		t.Errorf("absent package read = %v %v", actual, exists)
	}
	r = k.Defaults(res("package", "a", map[string]string{"state": "absent", "manager": "apt"}))
	if fields := Diff(r.Attrs, mustRead(t, k, r)); len(fields) != 1 || fields[0].Name != "state" {
		t.Errorf("installed package wanted absent: %+v", fields)
	}
}

func mustRead(t *testing.T, k Kind, r core.Resource) map[string]string {
	t.Helper()
	actual, _, err := k.Read(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	return actual
}

func TestUserGroupRead(t *testing.T) {
	dir := t.TempDir()
	passwd, group := filepath.Join(dir, "passwd"), filepath.Join(dir, "group")
	os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/bash\napp:x:990:991::/var/lib/app:/usr/sbin/nologin\n"), 0o644)
	os.WriteFile(group, []byte("root:x:0:\nadm:x:4:app\napp:x:991:\nweb:x:992:other,app\n"), 0o644)
	u := userKind{passwd: passwd, group: group}
	r := u.Defaults(res("user", "app", map[string]string{"home": "/var/lib/app", "shell": "/usr/sbin/nologin", "group": "app", "groups": "web, adm"}))
	actual, exists, err := u.Read(r, nil)
	if err != nil || !exists {
		t.Fatalf("read = %v %v", exists, err)
	}
	if fields := Diff(r.Attrs, actual); len(fields) != 0 {
		t.Errorf("diff = %+v (actual %v)", fields, actual)
	}
	if _, exists, _ := u.Read(u.Defaults(res("user", "nobody2", nil)), nil); exists {
		t.Error("missing user exists")
	}
	g := groupKind{group: group}
	if actual, exists, _ := g.Read(g.Defaults(res("group", "web", map[string]string{"gid": "992"})), nil); !exists || actual["gid"] != "992" {
		t.Errorf("group read = %v %v", actual, exists)
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
	m := newTestManifest(t)
	svc := func(key string) []core.Resource {
		return []core.Resource{res("sysservice", "demo", map[string]string{"restart_key": key, "reload": "reload"})}
	}
	converge(t, kinds, m, svc("k1"), core.Update) // known, stopped
	converge(t, kinds, m, svc("k2"), core.Update)
	os.Remove(state) // it died
	converge(t, kinds, m, svc("k2"), core.Update)
	converge(t, kinds, m, nil, core.Delete)
	data, _ := os.ReadFile(log)
	actions := strings.Join(filterLines(string(data), "status"), " ")
	if actions != "start reload start stop" {
		t.Errorf("actions = %q", actions)
	}
	// A service the host does not have plans a create and fails clearly.
	missing := []core.Resource{res("sysservice", "nosuch", nil)}
	changes, _, _ := Plan(kinds, missing, m, nil)
	if err := ApplyChange(kinds, changes[0], m); err == nil || !strings.Contains(err.Error(), "not installed") {
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

func TestFileRestore(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := newTestManifest(t)
	path := filepath.Join(dir, "nginx.conf")
	os.WriteFile(path, []byte("package default\n"), 0o600)
	conf := func(content string) []core.Resource {
		return []core.Resource{res("file", path, map[string]string{"content": content, "restore": "true"})}
	}
	converge(t, kinds, m, conf("v1\n"), core.Update)
	converge(t, kinds, m, conf("v2\n"), core.Update)
	converge(t, kinds, m, nil, core.Delete)
	data, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(data) != "package default\n" || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored %q %v", data, fi.Mode())
	}
	// A file drover created is removed, however often it changed.
	fresh := filepath.Join(dir, "fresh.conf")
	mk := func(content string) []core.Resource {
		return []core.Resource{res("file", fresh, map[string]string{"content": content, "restore": "true"})}
	}
	converge(t, kinds, m, mk("v1\n"), core.Create)
	converge(t, kinds, m, mk("v2\n"), core.Update)
	converge(t, kinds, m, nil, core.Delete)
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("created file left: %v", err)
	}
}

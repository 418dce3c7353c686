package files

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

func TestDirectorySymlinkLifecycle(t *testing.T) {
	hosttest.RequireRoot(t) // owner root:root
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	app := filepath.Join(dir, "opt", "app")
	link := filepath.Join(dir, "current")
	desired := func(mode, target string) []core.Resource {
		return []core.Resource{
			hosttest.Res("directory", app, map[string]string{"mode": mode}),
			hosttest.Res("symlink", link, map[string]string{"target": target}),
		}
	}
	hosttest.Converge(t, kinds, m, desired("0750", app), core.Create, core.Create)
	if fi, err := os.Stat(app); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("stat = %v, %v", fi, err)
	}
	changes := hosttest.Converge(t, kinds, m, desired("0755", "/tmp"), core.Update, core.Update)
	if f := changes[1].Fields; len(f) != 1 || f[0].Old != app || f[0].New != "/tmp" {
		t.Errorf("symlink fields = %+v", f)
	}
	if got, _ := os.Readlink(link); got != "/tmp" {
		t.Errorf("link -> %q", got)
	}
	hosttest.Converge(t, kinds, m, nil, core.Delete, core.Delete)
	for _, p := range []string{app, link} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s left: %v", p, err)
		}
	}
	// A regular file where the link goes is an error, not overwritten.
	os.WriteFile(link, []byte("x"), 0o644)
	if _, _, err := host.Plan(kinds, desired("0755", "/tmp")[1:], m, nil); err == nil || !strings.Contains(err.Error(), "not a symbolic link") {
		t.Errorf("plan over a file: %v", err)
	}
}

func TestUserGroupRead(t *testing.T) {
	dir := t.TempDir()
	passwd, group := filepath.Join(dir, "passwd"), filepath.Join(dir, "group")
	os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/bash\napp:x:990:991::/var/lib/app:/usr/sbin/nologin\n"), 0o644)
	os.WriteFile(group, []byte("root:x:0:\nadm:x:4:app\napp:x:991:\nweb:x:992:other,app\n"), 0o644)
	u := userKind{passwd: passwd, group: group}
	r := u.Defaults(hosttest.Res("user", "app", map[string]string{"home": "/var/lib/app", "shell": "/usr/sbin/nologin", "group": "app", "groups": "web, adm"}))
	actual, exists, err := u.Read(r, nil)
	if err != nil || !exists {
		t.Fatalf("read = %v %v", exists, err)
	}
	if fields := host.Diff(r.Attrs, actual); len(fields) != 0 {
		t.Errorf("diff = %+v (actual %v)", fields, actual)
	}
	if _, exists, _ := u.Read(u.Defaults(hosttest.Res("user", "nobody2", nil)), nil); exists {
		t.Error("missing user exists")
	}
	g := groupKind{group: group}
	if actual, exists, _ := g.Read(g.Defaults(hosttest.Res("group", "web", map[string]string{"gid": "992"})), nil); !exists || actual["gid"] != "992" {
		t.Errorf("group read = %v %v", actual, exists)
	}
}

func TestFileRestore(t *testing.T) {
	hosttest.RequireRoot(t)
	dir := t.TempDir()
	kinds := testKinds(dir)
	m := hosttest.NewManifest(t)
	path := filepath.Join(dir, "nginx.conf")
	os.WriteFile(path, []byte("package default\n"), 0o600)
	conf := func(content string) []core.Resource {
		return []core.Resource{hosttest.Res("file", path, map[string]string{"content": content, "restore": "true"})}
	}
	hosttest.Converge(t, kinds, m, conf("v1\n"), core.Update)
	hosttest.Converge(t, kinds, m, conf("v2\n"), core.Update)
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	data, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(data) != "package default\n" || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored %q %v", data, fi.Mode())
	}
	// A file drover created is removed, however often it changed.
	fresh := filepath.Join(dir, "fresh.conf")
	mk := func(content string) []core.Resource {
		return []core.Resource{hosttest.Res("file", fresh, map[string]string{"content": content, "restore": "true"})}
	}
	hosttest.Converge(t, kinds, m, mk("v1\n"), core.Create)
	hosttest.Converge(t, kinds, m, mk("v2\n"), core.Update)
	hosttest.Converge(t, kinds, m, nil, core.Delete)
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("created file left: %v", err)
	}
}

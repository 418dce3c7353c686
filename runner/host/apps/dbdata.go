package apps

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// dbdataKind initialises a database server's data directory (mariadb-
// install-db, initdb), the run directory its socket and pidfile live in,
// and for PostgreSQL a stable link to the installed version's programs, so
// that services can name them without knowing the version.
//
// Name: the data directory. Attributes:
//   - engine: "mariadb" or "postgresql" (replace)
//   - path: the data directory (default: the resource name; replace)
//   - user: the OS user that owns it (default "mysql" / "postgres")
//   - rundir: a directory owned by user for the socket and pidfile
//   - bin: PostgreSQL only: a symlink to make to the newest installed
//     /usr/lib/postgresql/VERSION/bin (or the folder of postgres in PATH)
//
// Read: exists once the data directory is initialised; rundir and bin
// read back only while they are right. Delete removes the data directory
// (the databases in it), the run directory and the link: a database server
// drover made is removed whole.
type dbdataKind struct{}

func (dbdataKind) ReplaceOn() []string { return []string{"engine", "path"} }

func (dbdataKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "path", r.Name)
	if r.Attrs["engine"] == "postgresql" {
		host.SetDefault(r.Attrs, "user", "postgres")
	} else {
		host.SetDefault(r.Attrs, "user", "mysql")
	}
	return r
}

// initMarker is a file that exists once a data directory is initialised.
func initMarker(engine, path string) string {
	if engine == "postgresql" {
		return filepath.Join(path, "PG_VERSION")
	}
	return filepath.Join(path, "mysql", "db.frm")
}

func (dbdataKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	if _, err := os.Stat(initMarker(r.Attrs["engine"], r.Attrs["path"])); err != nil {
		return nil, false, nil
	}
	actual := map[string]string{"engine": r.Attrs["engine"], "path": r.Attrs["path"], "user": r.Attrs["user"]}
	if dir := r.Attrs["rundir"]; dir != "" {
		actual["rundir"] = ""
		if ownedDir(dir, r.Attrs["user"]) {
			actual["rundir"] = dir
		}
	}
	if link := r.Attrs["bin"]; link != "" {
		actual["bin"] = ""
		if want, err := postgresBin(); err == nil {
			if have, err := os.Readlink(link); err == nil && have == want {
				actual["bin"] = link
			}
		}
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func (dbdataKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
	engine, path, user := r.Attrs["engine"], r.Attrs["path"], r.Attrs["user"]
	if engine != "mariadb" && engine != "postgresql" {
		return nil, fmt.Errorf("engine %q is neither mariadb nor postgresql", engine)
	}
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("path %q is not absolute", path)
	}
	out := map[string]string{"created": saved["created"]}
	if link := r.Attrs["bin"]; link != "" {
		if err := linkPostgresBin(link); err != nil {
			return nil, err
		}
	}
	if dir := r.Attrs["rundir"]; dir != "" {
		if err := makeOwnedDir(dir, user, 0o755); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(initMarker(engine, path)); err == nil {
		return out, nil
	}
	if err := makeOwnedDir(path, user, 0o700); err != nil {
		return nil, err
	}
	out["created"] = "true"
	if engine == "mariadb" {
		// --force: no resolveip of the host name, which waits for DNS
		// timeouts where the name does not resolve.
		_, err := host.RunCommand("", "mariadb-install-db", "--datadir="+path, "--user="+user,
			"--auth-root-authentication-method=socket", "--skip-test-db", "--force")
		return out, err
	}
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	_, err = runAs(user, "", filepath.Join(bin, "initdb"), "-D", path, "-U", "postgres",
		"--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8")
	return out, err
}

func (dbdataKind) Delete(r core.Resource, saved map[string]string) error {
	for _, p := range []string{r.Attrs["bin"], r.Attrs["rundir"]} {
		if p != "" {
			if err := safefs.RemoveAll(p); err != nil {
				return err
			}
		}
	}
	if saved["created"] != "true" {
		return nil
	}
	return safefs.RemoveAll(r.Attrs["path"])
}

// postgresBin is the folder of the newest installed PostgreSQL server.
func postgresBin() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	slices.SortFunc(matches, func(a, b string) int { return versionOf(a) - versionOf(b) })
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1]), nil
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server installed (no /usr/lib/postgresql/*/bin/postgres, no postgres in PATH)")
}

func versionOf(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

func linkPostgresBin(link string) error {
	bin, err := postgresBin()
	if err != nil {
		return err
	}
	if have, err := safefs.Readlink(link); err == nil && have == bin {
		return nil
	}
	return safefs.Symlink(bin, link)
}

func ownedDir(dir, user string) bool {
	st, err := safefs.Lstat(dir)
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return false
	}
	uid, _, err := host.LookupOwner(user)
	return err == nil && int(st.Uid) == uid
}

func makeOwnedDir(dir, user string, mode os.FileMode) error {
	uid, gid, err := host.LookupOwner(user)
	if err != nil {
		return err
	}
	_, err = safefs.Mkdir(dir, uint32(mode.Perm()), uid, gid)
	return err
}

// runAs runs a program as user (with its primary group) and returns its
// stdout; a failure carries the command line and its stderr.
func runAs(user, stdin, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = "/"
	if user != "" && user != "root" {
		uid, gid, err := host.LookupOwner(user)
		if err != nil {
			return "", err
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), host.CommandError(cmd, err, stderr.String())
	}
	return stdout.String(), nil
}

// Snapshot records, before a change, what Delete needs to undo it
// (host.Snapshotter).
func (dbdataKind) Snapshot(r core.Resource, _ map[string]string) map[string]string {
	if _, err := os.Stat(initMarker(r.Attrs["engine"], r.Attrs["path"])); os.IsNotExist(err) {
		return map[string]string{"created": "true"}
	}
	return nil
}

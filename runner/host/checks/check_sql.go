package checks

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/probe"
)

// checkSQLLogin logs in to a database over TCP with its declared user, the
// way a client of it would, and proves that the session reached that
// database as that user ("expect" = "login"), or that the server refuses
// this host ("expect" = "refused": not allowed to connect, no pg_hba.conf
// entry, access denied). Attributes:
//   - engine: "mariadb" or "postgresql"
//   - host, port: where the server listens (this host's own address for a
//     check run on the database's server)
//   - database, user: what the login names
//   - password (a sensitive attribute) or password_file (a root-only file
//     on this host, the generated password): handed to the client in its
//     environment (MYSQL_PWD, PGPASSWORD), never on its command line
//   - bin: PostgreSQL: the folder of psql ("" = psql on PATH)
//   - timeout_ms: per attempt (default 5000); retry_ms: keep trying a
//     failing login this long (a server just restarted), default 0
//
// The password never appears in the result: the client's output is
// scrubbed of it.
func checkSQLLogin(attrs map[string]string) (bool, string) {
	pw, err := loginPassword(attrs)
	if err != nil {
		return false, err.Error()
	}
	if !probe.SQLIdentifier(attrs["database"]) || !probe.SQLIdentifier(attrs["user"]) {
		return false, fmt.Sprintf("login check: database %q or user %q is not a plain SQL name", attrs["database"], attrs["user"])
	}
	want := attrs["expect"]
	if want == "" {
		want = "login"
	}
	deadline := time.Now().Add(time.Duration(atoiOr(attrs["retry_ms"], 0)) * time.Millisecond)
	for {
		ok, detail := sqlLoginOnce(attrs, pw, want)
		if ok || time.Now().After(deadline) {
			return ok, scrub(detail, pw)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// loginPassword is the password attribute, else the first line of
// password_file.
func loginPassword(attrs map[string]string) (string, error) {
	if path := attrs["password_file"]; path != "" {
		data, err := host.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("login check: the password file %s: %v", path, err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		return strings.TrimSpace(line), nil
	}
	if attrs["password"] == "" {
		return "", fmt.Errorf("login check without password or password_file")
	}
	return attrs["password"], nil
}

// sqlRefusal are the answers of a server that refuses a client: its host
// is not admitted (MariaDB, PostgreSQL's pg_hba.conf) or the login is
// denied for it.
var sqlRefusal = regexp.MustCompile(`is not allowed to connect|no pg_hba\.conf entry|Access denied for user|password authentication failed`)

func sqlLoginOnce(attrs map[string]string, pw, want string) (bool, string) {
	target := fmt.Sprintf("%s@%s:%s/%s", attrs["user"], attrs["host"], attrs["port"], attrs["database"])
	out, err := runLoginClient(attrs, pw)
	got := strings.TrimSpace(out)
	switch {
	case want == "refused" && err != nil && sqlRefusal.MatchString(err.Error()):
		return true, "refused as it should be: " + tailLines(err.Error(), 1)
	case want == "refused" && err != nil:
		return false, "the login failed, but not because this host is refused: " + tailLines(err.Error(), 2)
	case want == "refused":
		return false, fmt.Sprintf("a login as %s from outside the allowed range succeeded (%s)", target, got)
	case err != nil:
		return false, fmt.Sprintf("login as %s failed: %s", target, tailLines(err.Error(), 2))
	}
	db, user, _ := strings.Cut(got, "\t")
	user, _, _ = strings.Cut(user, "@") // MariaDB: user@host
	if db != attrs["database"] || user != attrs["user"] {
		return false, fmt.Sprintf("login as %s reached database %q as %q", target, db, user)
	}
	return true, fmt.Sprintf("logged in as %s and reached database %s", target, db)
}

// runLoginClient runs the engine's client once, with a clean environment
// holding the password, and returns "DATABASE\tUSER".
func runLoginClient(attrs map[string]string, pw string) (string, error) {
	timeout := time.Duration(atoiOr(attrs["timeout_ms"], 5000)) * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Second)
	defer cancel()
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent", "LC_ALL=C"}
	var cmd *exec.Cmd
	secs := fmt.Sprint(max(1, int(timeout.Seconds())))
	if attrs["engine"] == "mariadb" {
		cmd = exec.CommandContext(ctx, "mariadb", "--no-defaults", "--protocol=TCP", "-h", attrs["host"], "-P", attrs["port"],
			"-u", attrs["user"], "-D", attrs["database"], "--connect-timeout="+secs, "-N", "-B",
			"-e", "SELECT DATABASE(), CURRENT_USER()")
		env = append(env, "MYSQL_PWD="+pw)
	} else {
		psql := "psql"
		if attrs["bin"] != "" {
			psql = filepath.Join(attrs["bin"], "psql")
		}
		cmd = exec.CommandContext(ctx, psql, "-X", "-w", "-q", "-h", attrs["host"], "-p", attrs["port"],
			"-U", attrs["user"], "-d", attrs["database"], "-At", "-F", "\t", "-c", "SELECT current_database(), current_user")
		env = append(env, "PGPASSWORD="+pw, "PGCONNECT_TIMEOUT="+secs, "PGPASSFILE=/dev/null", "PGSERVICEFILE=/dev/null")
	}
	if cmd.Err != nil {
		return "", fmt.Errorf("no %s client on this host (install it: the login check runs it): %v", attrs["engine"], cmd.Err)
	}
	cmd.Env, cmd.Dir = env, "/"
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: %v: %s", filepath.Base(cmd.Path), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// scrub replaces every occurrence of secret in s.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, core.Sensitive)
}

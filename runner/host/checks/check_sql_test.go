package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakePSQL writes a psql into a new folder that runs script (sh) and
// returns the folder, for the bin attribute.
func fakePSQL(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "psql"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The login check proves the session's database and user, tells a refusal
// from other failures, reads a generated password from its file, and
// never shows the password, even when the client prints it.
func TestCheckSQLLogin(t *testing.T) {
	const pw = "pw-Xy7-secret"
	pwFile := filepath.Join(t.TempDir(), "gen.password")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	echoBack := `[ "$PGPASSWORD" = "` + pw + `" ] || { echo "FATAL: password authentication failed for user \"gen\" (got $PGPASSWORD)" >&2; exit 2; }` + "\n"
	cases := []struct {
		name, script, expect, file string
		ok                         bool
		detail                     string
	}{
		{"login", echoBack + `printf 'gen\tgen\n'`, "login", "", true, "logged in as gen@100.65.1.1:5432/gen and reached database gen"},
		{"login from the file", echoBack + `printf 'gen\tgen\n'`, "login", pwFile, true, "reached database gen"},
		{"another database", `printf 'postgres\tgen\n'`, "login", "", false, `reached database "postgres" as "gen"`},
		{"wrong password shown by the client", `echo "FATAL: password authentication failed for $PGPASSWORD" >&2; exit 2`, "login", "", false, "failed for (sensitive)"},
		{"refused", `echo 'FATAL: no pg_hba.conf entry for host "198.51.100.1"' >&2; exit 2`, "refused", "", true, "refused as it should be"},
		{"refused, but the server is down", `echo 'connection refused' >&2; exit 2`, "refused", "", false, "not because this host is refused"},
		{"not refused", `printf 'gen\tgen\n'`, "refused", "", false, "succeeded"},
	}
	for _, c := range cases {
		attrs := map[string]string{"engine": "postgresql", "host": "100.65.1.1", "port": "5432", "database": "gen",
			"user": "gen", "expect": c.expect, "bin": fakePSQL(t, c.script)}
		if c.file != "" {
			attrs["password_file"] = c.file
		} else {
			attrs["password"] = pw
		}
		ok, detail := checkSQLLogin(attrs)
		if ok != c.ok || !strings.Contains(detail, c.detail) {
			t.Errorf("%s: %v %q, want %v and %q", c.name, ok, detail, c.ok, c.detail)
		}
		if strings.Contains(detail, pw) {
			t.Errorf("%s: the detail shows the password: %q", c.name, detail)
		}
	}
	if ok, detail := checkSQLLogin(map[string]string{"engine": "mariadb", "database": "a-b", "user": "u", "password": "x"}); ok || !strings.Contains(detail, "not a plain SQL name") {
		t.Errorf("a bad name: %v %q", ok, detail)
	}
}

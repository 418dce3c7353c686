package transport

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/runner/helper"
)

// fakeSudo puts a sudo on PATH (the test server's commands inherit it)
// that needs password unless dir/nopasswd exists, reads it with -S as sudo
// does (one line of stdin, the rest left to the command), and logs its
// arguments to dir/log.
func fakeSudo(t *testing.T, password string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "password"), []byte(password+"\n"), 0o600)
	script := `#!/bin/sh
d=` + shellQuote(dir) + `
echo "$*" >> "$d/log"
nopass=; prompt='Password: '
while [ $# -gt 0 ]; do case "$1" in
  -n) nopass=1; shift;;
  -k|-S) shift;;
  -p) prompt=$2; shift 2;;
  *) break;;
esac; done
if [ -e "$d/nopasswd" ]; then exec "$@"; fi
if [ -n "$nopass" ]; then echo "sudo: a password is required" >&2; exit 1; fi
printf '%s' "$prompt" >&2
IFS= read -r pw || { echo "sudo: no password was provided" >&2; exit 1; }
if [ "$pw" != "$(cat "$d/password")" ]; then echo "Sorry, try again." >&2; echo "sudo: 1 incorrect password attempt" >&2; exit 1; fi
exec "$@"
`
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "sudo"), []byte(script), 0o755)
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	return dir
}

func TestBecomePassword(t *testing.T) {
	const secret = "s3cret pass"
	sudo := fakeSudo(t, secret)
	_, cfg := setup(t, nil)
	cfg.User, cfg.Become, cfg.BecomePassword = "deploy", true, secret
	conn := dial(t, cfg)
	bin := fakeBinary(t, "ok")
	hc := startHelper(t, conn, bin)
	if _, err := hc.Call(context.Background(), helper.Request{Op: helper.OpFacts}, nil); err != nil {
		t.Fatal(err)
	}
	hc.Close()
	startHelper(t, conn, bin) // the same connection checks sudo once
	if up := cfg.Stats.Uploads.Load(); up != 1 {
		t.Fatalf("uploads = %d, want 1 (through sudo -S)", up)
	}
	log, _ := os.ReadFile(filepath.Join(sudo, "log"))
	if strings.Contains(string(log), secret) {
		t.Fatal("the password was passed as an argument")
	}
	if n := strings.Count(string(log), "-n true"); n != 1 {
		t.Fatalf("sudo -n checked %d times on one connection, want 1:\n%s", n, log)
	}
	if !strings.Contains(string(log), "-k -S -p "+sudoPrompt+" sh -c") {
		t.Fatalf("the helper did not run through sudo -S:\n%s", log)
	}

	// A wrong password fails clearly and is not shown.
	cfg.BecomePassword = "wrong guess"
	_, err := dial(t, cfg).StartHelper(context.Background(), bin)
	wantError(t, err, "s1 (127.0.0.1:", "sudo refused the become password for deploy", "incorrect password")
	if strings.Contains(err.Error(), "wrong guess") || strings.Contains(err.Error(), sudoPrompt) {
		t.Fatalf("error shows the password or the prompt: %v", err)
	}

	// No password where sudo asks for one says how to give it.
	cfg.BecomePassword = ""
	_, err = dial(t, cfg).StartHelper(context.Background(), bin)
	wantError(t, err, "sudo asks deploy for a password", BecomePasswordEnv, BecomePasswordFileEnv, "NOPASSWD")

	// Passwordless sudo needs none, and the password is then not sent.
	os.WriteFile(filepath.Join(sudo, "nopasswd"), nil, 0o644)
	os.Remove(filepath.Join(sudo, "log"))
	cfg.BecomePassword = secret
	startHelper(t, dial(t, cfg), bin)
	log, _ = os.ReadFile(filepath.Join(sudo, "log"))
	if strings.Contains(string(log), "-S") || !strings.Contains(string(log), "-n sh -c") {
		t.Fatalf("with NOPASSWD the helper did not run with sudo -n:\n%s", log)
	}
}

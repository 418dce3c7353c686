package transport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// resolve applies sc to alias as the runner does, with the given explicit
// user ("" = none).
func resolve(t *testing.T, sc *SSHConfig, alias, user string) Config {
	t.Helper()
	c := Config{Host: "s1", Address: alias, User: "root", Port: 22, SSHConfig: sc, Explicit: map[string]bool{}}
	if user != "" {
		c.User, c.Explicit[SetUser] = user, true
	}
	got, _, err := c.applySSHConfig()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// A Match exec block (an operator's ~/.ssh/config often has one) no longer
// makes every command fail: it is skipped with one warning naming the
// file and line, and its command never runs.
func TestSSHConfigMatchExecSkipped(t *testing.T) {
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran")
	sc := writeSSHConfig(t, `
Host app
  HostName 198.51.100.1
Match exec "touch `+ran+`" host app
  Port 2222
Match localnetwork 198.51.100.0/24
  Port 2223
Host app
  User deploy
`, "")
	if len(sc.Warnings) != 2 {
		t.Fatalf("warnings %q, want one per skipped block", sc.Warnings)
	}
	if w := sc.Warnings[0]; !strings.Contains(w, "/config:4: Match exec is not evaluated") || !strings.Contains(w, "skipped") {
		t.Fatalf("warning %q", w)
	}
	if w := sc.Warnings[1]; !strings.Contains(w, "/config:6: Match localnetwork is not evaluated") {
		t.Fatalf("warning %q", w)
	}
	got := resolve(t, sc, "app", "")
	if got.Address != "198.51.100.1" || got.Port != 22 || got.User != "deploy" {
		t.Fatalf("resolved %s@%s:%d", got.User, got.Address, got.Port)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Fatal("the Match exec command ran")
	}
}

func TestSSHConfigMatchAll(t *testing.T) {
	sc := writeSSHConfig(t, "Host a\n  Port 2200\nMatch all\n  Port 2201\n  User ops\n", "")
	if got := resolve(t, sc, "a", ""); got.Port != 2200 || got.User != "ops" {
		t.Fatalf("a: %s:%d", got.User, got.Port)
	}
	if got := resolve(t, sc, "b", ""); got.Port != 2201 || got.User != "ops" {
		t.Fatalf("b: %s:%d", got.User, got.Port)
	}
	if len(sc.Warnings) != 0 {
		t.Fatalf("warnings %q", sc.Warnings)
	}
}

// Match host compares the name after HostName (set before the block);
// originalhost the name as written.
func TestSSHConfigMatchHost(t *testing.T) {
	sc := writeSSHConfig(t, `
Host s1
  HostName db1.example.com
Match host *.example.com,!web*
  Port 2201
Match originalhost s*
  User deploy
Match !host 198.51.100.*
  IdentitiesOnly yes
`, "")
	got := resolve(t, sc, "s1", "")
	if got.Address != "db1.example.com" || got.Port != 2201 || got.User != "deploy" || !got.IdentitiesOnly {
		t.Fatalf("s1: %+v", got)
	}
	got = resolve(t, sc, "web1.example.com", "")
	if got.Port != 22 || got.User != "root" || !got.IdentitiesOnly {
		t.Fatalf("web1: %s:%d", got.User, got.Port)
	}
	got = resolve(t, sc, "198.51.100.7", "")
	if got.Port != 22 || got.IdentitiesOnly {
		t.Fatalf("198.51.100.7: %d %v", got.Port, got.IdentitiesOnly)
	}
	// Two criteria: both must hold.
	sc = writeSSHConfig(t, "Match host s1 originalhost \"s1\"\n  Port 2202\nMatch host s1 originalhost s2\n  Port 2203\n", "")
	if got := resolve(t, sc, "s1", ""); got.Port != 2202 {
		t.Fatalf("both criteria: %d", got.Port)
	}
}

// Match user compares the remote user: the configuration's, else a User
// set before the block, else drover's default; localuser the local login.
func TestSSHConfigMatchUser(t *testing.T) {
	sc := writeSSHConfig(t, `
Host app
  User deploy
Match user deploy
  Port 2201
Match user admin
  Port 2202
`, "")
	if got := resolve(t, sc, "app", ""); got.Port != 2201 {
		t.Fatalf("User from ssh_config: %d", got.Port)
	}
	if got := resolve(t, sc, "app", "admin"); got.Port != 2202 || got.User != "admin" {
		t.Fatalf("explicit user: %s:%d", got.User, got.Port)
	}
	if got := resolve(t, sc, "other", ""); got.Port != 22 {
		t.Fatalf("root: %d", got.Port)
	}

	sc = writeSSHConfig(t, "Match localuser "+currentUser()+"\n  Port 2204\nMatch localuser !"+currentUser()+",*\n  Port 2205\n", "")
	if got := resolve(t, sc, "x", ""); got.Port != 2204 {
		t.Fatalf("localuser: %d", got.Port)
	}
	sc.localUser = "someone-else"
	if got := resolve(t, sc, "x", ""); got.Port != 2205 {
		t.Fatalf("another localuser: %d", got.Port)
	}
}

// Positions in the ssh_config package's own errors stay those of the
// file, also after a Match block.
func TestSSHConfigMatchErrorsAndPatterns(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config")
	os.WriteFile(p, []byte("Match all\n  Port 1\nMatch user\n"), 0o600)
	if _, err := LoadSSHConfig(p); err == nil || !strings.Contains(err.Error(), "config:3: Match user needs a pattern list") {
		t.Fatalf("err = %v", err)
	}
	os.WriteFile(p, []byte("Match\n"), 0o600)
	if _, err := LoadSSHConfig(p); err == nil || !strings.Contains(err.Error(), "config:1: Match needs at least one criterion") {
		t.Fatalf("err = %v", err)
	}
	for _, c := range []struct {
		s, list string
		want    bool
	}{
		{"web1", "web*", true}, {"web1", "web?", true}, {"web12", "web?", false},
		{"web1", "db*,web1", true}, {"web1", "*,!web1", false}, {"", "*", true},
		{"a.b.c", "*.c", true}, {"abc", "a*b*c", true}, {"abd", "a*b*c", false},
	} {
		if got := matchPatternList(c.s, c.list); got != c.want {
			t.Errorf("matchPatternList(%q, %q) = %v", c.s, c.list, got)
		}
	}
}

package transport

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeSSHConfig writes an ssh_config file and loads it (with an optional
// system-wide file after it).
func writeSSHConfig(t *testing.T, user, system string) *SSHConfig {
	t.Helper()
	dir := t.TempDir()
	up, sp := filepath.Join(dir, "config"), filepath.Join(dir, "ssh_config")
	os.WriteFile(up, []byte(user), 0o600)
	if system != "" {
		os.WriteFile(sp, []byte(system), 0o644)
	}
	sc, err := LoadSSHConfig(up, sp)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestSSHConfigAlias(t *testing.T) {
	srv, cfg := setup(t, nil)
	cfg.SSHConfig = writeSSHConfig(t, `
Host web*
  HostName 127.0.0.1
  Port `+strconv.Itoa(srv.port)+`
  User deploy
  IdentityFile `+cfg.IdentityFile+`
  UserKnownHostsFile `+cfg.KnownHosts+`
  ConnectTimeout 7
  ServerAliveInterval 3
`, `
Host *
  User nobody
  Port 1
  StrictHostKeyChecking yes
  GlobalKnownHostsFile /nonexistent/known_hosts
`)
	cfg.Address, cfg.Port, cfg.IdentityFile, cfg.KnownHosts, cfg.Timeout = "web1", 0, "", "", 0
	var log bytes.Buffer
	cfg.Log = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	conn := dial(t, cfg)
	if out, _, err := conn.Run(context.Background(), "echo hi", nil); err != nil || string(out) != "hi\n" {
		t.Fatalf("Run = %q, %v", out, err)
	}
	if srv.user() != "deploy" {
		t.Fatalf("logged in as %q, want deploy (from the user's file, which wins over the system's)", srv.user())
	}
	got, src, err := cfg.applySSHConfig()
	if err != nil {
		t.Fatal(err)
	}
	if got.Address != "127.0.0.1" || got.Port != srv.port || got.Timeout != 7*time.Second || got.KeepAlive != 3*time.Second ||
		got.TrustOnFirstUse || len(got.GlobalKnownHosts) != 1 || got.GlobalKnownHosts[0] != "/nonexistent/known_hosts" {
		t.Fatalf("resolved %+v", got)
	}
	if !strings.HasSuffix(src[SetUser], "/config") || !strings.HasSuffix(src[SetTrustOnFirst], "/ssh_config") {
		t.Fatalf("sources %v", src)
	}
	for _, want := range []string{"address=127.0.0.1", "user=deploy", "user_from=", "port_from=", "identity_from=", "timeout=7s"} {
		if !strings.Contains(log.String(), want) {
			t.Fatalf("debug log lacks %q:\n%s", want, log.String())
		}
	}
}

func TestSSHConfigExplicitWins(t *testing.T) {
	srv, cfg := setup(t, nil)
	cfg.SSHConfig = writeSSHConfig(t, `
Host 127.0.0.1
  User alice
  Port 1
  IdentityFile /nonexistent/key
  UserKnownHostsFile /nonexistent/known_hosts
  ConnectTimeout 1
  StrictHostKeyChecking no
`, "")
	cfg.User = "root"
	cfg.Explicit = map[string]bool{SetUser: true, SetPort: true, SetIdentityFile: true, SetKnownHosts: true,
		SetTimeout: true, SetTrustOnFirst: true}
	dial(t, cfg)
	if srv.user() != "root" {
		t.Fatalf("logged in as %q, want the explicit root", srv.user())
	}
	got, src, _ := cfg.applySSHConfig()
	if got.Timeout != 5*time.Second || got.TrustOnFirstUse || len(got.IdentityFiles) != 0 || src[SetUser] != "explicit" {
		t.Fatalf("resolved %+v from %v", got, src)
	}
}

func TestSSHConfigProxyJumpChain(t *testing.T) {
	target, cfg := setup(t, nil)
	key := mustPub(t, cfg.IdentityFile)
	var hops []*testServer
	f, _ := os.OpenFile(cfg.KnownHosts, os.O_APPEND|os.O_WRONLY, 0)
	for range 2 {
		j := newTestServer(t, func(s *testServer) { s.forward = true })
		j.authorize(key)
		f.WriteString(j.knownHostsLine() + "\n")
		hops = append(hops, j)
	}
	f.Close()
	cfg.SSHConfig = writeSSHConfig(t, `
Host bastion1
  HostName 127.0.0.1
  Port `+strconv.Itoa(hops[0].port)+`
  User jumper
Host bastion2
  HostName 127.0.0.1
  Port `+strconv.Itoa(hops[1].port)+`
  ProxyJump none
Host app
  HostName 127.0.0.1
  ProxyJump bastion1,ops@bastion2
`, "")
	cfg.Address = "app"
	cfg.Dial = nil
	conn := dial(t, cfg)
	if out, _, err := conn.Run(context.Background(), "echo deep", nil); err != nil || string(out) != "deep\n" {
		t.Fatalf("Run = %q, %v", out, err)
	}
	if hops[0].forwards.Load() != 1 || hops[1].forwards.Load() != 1 || target.logins.Load() != 1 {
		t.Fatalf("forwards %d, %d; target logins %d", hops[0].forwards.Load(), hops[1].forwards.Load(), target.logins.Load())
	}
	if hops[0].user() != "jumper" || hops[1].user() != "ops" {
		t.Fatalf("jump users %q, %q", hops[0].user(), hops[1].user())
	}

	// An explicit jump wins over ProxyJump; "none" means none.
	cfg.Explicit = map[string]bool{SetJump: true}
	got, _, _ := cfg.applySSHConfig()
	if got.Jump != nil {
		t.Fatalf("explicit (empty) jump overridden by ProxyJump: %+v", got.Jump)
	}
	if j, err := JumpChain(cfg, []string{"none"}); err != nil || j != nil {
		t.Fatalf("JumpChain(none) = %v, %v", j, err)
	}
	if _, err := JumpChain(cfg, []string{"h:port"}); err == nil {
		t.Fatal("a bad port was accepted")
	}
}

func TestSSHConfigErrors(t *testing.T) {
	_, cfg := setup(t, nil)
	cfg.SSHConfig = writeSSHConfig(t, "Host x\n  Port http\n", "")
	cfg.Address = "x"
	_, err := DialSSH(context.Background(), cfg)
	wantError(t, err, "s1", "/config: Port \"http\" for x is not a port number")

	dir := t.TempDir()
	bad := filepath.Join(dir, "config")
	os.WriteFile(bad, []byte("Host x\n  Port 2200\nMatch host\n  Port 2201\n"), 0o600)
	if _, err := LoadSSHConfig(bad); err == nil || !strings.Contains(err.Error(), "config:3: Match host needs a pattern list") {
		t.Fatalf("LoadSSHConfig = %v, want an error naming the file and line", err)
	}
	os.WriteFile(bad, []byte("Host x\n  Port 2200\nMatch all\n  Include /[\n"), 0o600)
	if _, err := LoadSSHConfig(bad); err == nil || !strings.Contains(err.Error(), "config: (4, ") {
		t.Fatalf("LoadSSHConfig = %v, want an error naming the file", err)
	}
	if sc, err := LoadSSHConfig(filepath.Join(dir, "missing")); err != nil || sc == nil {
		t.Fatalf("a missing file: %v", err)
	}
}

// TestJumpChainSpec covers the one parser of "[user@]host[:port]" jump
// specs: the user and port are taken when given, the target's otherwise.
func TestJumpChainSpec(t *testing.T) {
	target := Config{Host: "s1", Address: "198.51.100.1", Port: 22, User: "root", KnownHosts: "/tmp/kh"}
	j, err := JumpChain(target, []string{"admin@203.0.113.9:2222"})
	if err != nil || j.User != "admin" || j.Address != "203.0.113.9" || j.Port != 2222 || j.Jump != nil {
		t.Fatalf("JumpChain = %+v, %v", j, err)
	}
	if !j.Explicit[SetUser] || !j.Explicit[SetPort] || j.KnownHosts != "/tmp/kh" {
		t.Fatalf("explicit %v, known_hosts %q", j.Explicit, j.KnownHosts)
	}
	j, err = JumpChain(target, []string{"203.0.113.9"})
	if err != nil || j.User != "root" || j.Port != 0 || j.Explicit[SetUser] {
		t.Fatalf("JumpChain(no user, no port) = %+v, %v", j, err)
	}
	for _, bad := range []string{"203.0.113.9:ssh", "h:0", "h:65536", " "} {
		if _, err := JumpChain(target, []string{bad}); err == nil {
			t.Fatalf("JumpChain(%q) accepted", bad)
		}
	}
}

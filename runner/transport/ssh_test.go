package transport

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/third_party/xcrypto/ssh"
	"github.com/drover/drover/third_party/xcrypto/ssh/agent"
)

// newClientKey makes a key pair and writes the private key to dir/name.
func newClientKey(t *testing.T, dir, name string) (ed25519.PrivateKey, ssh.PublicKey, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "drover test")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return priv, sshPub, path
}

// setup starts a server that trusts a fresh client key and knows its host
// key, and returns the Config to reach it.
func setup(t *testing.T, configure func(*testServer)) (*testServer, Config) {
	t.Helper()
	srv := newTestServer(t, configure)
	dir := t.TempDir()
	_, pub, keyFile := newClientKey(t, dir, "id_ed25519")
	srv.authorize(pub)
	knownHosts := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(knownHosts, []byte(srv.knownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, Config{
		Host:         "s1",
		Address:      "127.0.0.1",
		Port:         srv.port,
		IdentityFile: keyFile,
		KnownHosts:   knownHosts,
		HelperDir:    filepath.Join(dir, "helper-bin"),
		Timeout:      5 * time.Second,
		Stats:        &Stats{},
	}
}

func dial(t *testing.T, cfg Config) Conn {
	t.Helper()
	conn, err := DialSSH(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q\ndoes not contain %q", err, p)
		}
	}
}

func TestKeyAuthAndRun(t *testing.T) {
	_, cfg := setup(t, nil)
	conn := dial(t, cfg)
	ctx := context.Background()

	stdout, stderr, err := conn.Run(ctx, "echo out; echo err >&2", nil)
	if err != nil || string(stdout) != "out\n" || string(stderr) != "err\n" {
		t.Fatalf("Run = %q, %q, %v", stdout, stderr, err)
	}
	stdout, _, err = conn.Run(ctx, "tr a-z A-Z", strings.NewReader("hello"))
	if err != nil || string(stdout) != "HELLO" {
		t.Fatalf("Run with stdin = %q, %v", stdout, err)
	}
	_, _, err = conn.Run(ctx, "echo nope >&2; exit 3", nil)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("Run error = %v, want an *ExitError with code 3", err)
	}
	wantError(t, err, "s1 (127.0.0.1:"+strconv.Itoa(cfg.Port)+")", "`echo nope >&2; exit 3` exited with status 3: nope")
	if n := cfg.Stats.Dials.Load(); n != 1 {
		t.Fatalf("Dials = %d, want 1", n)
	}
}

func TestRunCancel(t *testing.T) {
	_, cfg := setup(t, nil)
	conn := dial(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := conn.Run(ctx, "sleep 30", nil)
	wantError(t, err, "s1", "`sleep 30`", "deadline exceeded")
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancelled Run took %s", d)
	}
	// The connection still works.
	if out, _, err := conn.Run(context.Background(), "echo ok", nil); err != nil || string(out) != "ok\n" {
		t.Fatalf("Run after cancel = %q, %v", out, err)
	}
}

func TestAgentAuth(t *testing.T) {
	srv, cfg := setup(t, nil)
	priv, pub, _ := newClientKey(t, t.TempDir(), "agent_key")
	srv.authorize(pub)
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	cfg.IdentityFile = ""
	cfg.Agent = true
	conn := dial(t, cfg)
	if out, _, err := conn.Run(context.Background(), "echo via agent", nil); err != nil || string(out) != "via agent\n" {
		t.Fatalf("Run = %q, %v", out, err)
	}

	// An identity file the server refuses, then the agent: still works.
	dir := t.TempDir()
	_, _, otherKey := newClientKey(t, dir, "refused")
	cfg.IdentityFile = otherKey
	dial(t, cfg)
}

func TestAuthFailures(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // no default keys
	_, cfg := setup(t, nil)
	dir := t.TempDir()
	_, _, wrongKey := newClientKey(t, dir, "wrong")
	cfg.IdentityFile = wrongKey
	_, err := DialSSH(context.Background(), cfg)
	wantError(t, err, "s1 (127.0.0.1:", "authentication failed for root (tried: key "+wrongKey+")")

	t.Setenv("SSH_AUTH_SOCK", "")
	cfg.Agent = true
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "authentication failed for root (tried: key "+wrongKey+", not the agent: SSH_AUTH_SOCK is not set)")

	cfg.IdentityFile = ""
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "s1 (127.0.0.1:", "no SSH key to log in as root", "SSH_AUTH_SOCK is not set")

	cfg.IdentityFile = filepath.Join(dir, "missing")
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "identity file "+filepath.Join(dir, "missing")+" does not exist")

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked")
	os.WriteFile(locked, pem.EncodeToMemory(block), 0o600)
	cfg.IdentityFile = locked
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "identity file "+locked+" is protected by a passphrase", "ssh-add")
}

func TestHomeExpansion(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	_, cfg := setup(t, nil)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	data, _ := os.ReadFile(cfg.IdentityFile)
	os.WriteFile(filepath.Join(home, ".ssh", "id"), data, 0o600)
	known, _ := os.ReadFile(cfg.KnownHosts)
	os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), known, 0o600)
	cfg.IdentityFile = "~/.ssh/id"
	cfg.KnownHosts = "" // the default, ~/.ssh/known_hosts
	dial(t, cfg)

	os.Remove(filepath.Join(home, ".ssh", "id"))
	_, err := DialSSH(context.Background(), cfg)
	wantError(t, err, "identity file ~/.ssh/id does not exist")
}

func TestKnownHostsUnknownKey(t *testing.T) {
	srv, cfg := setup(t, nil)
	os.WriteFile(cfg.KnownHosts, []byte("# nothing yet\n"), 0o600)
	_, err := DialSSH(context.Background(), cfg)
	fp := ssh.FingerprintSHA256(srv.hostKey.PublicKey())
	wantError(t, err, "s1 (127.0.0.1:", "unknown host key ssh-ed25519 "+fp, "trust_on_first_use = true")

	os.Remove(cfg.KnownHosts) // a missing file knows no hosts
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "unknown host key ssh-ed25519 "+fp)
	if srv.logins.Load() != 0 {
		t.Fatal("logged in despite an unknown host key")
	}
}

func TestKnownHostsTrustOnFirstUse(t *testing.T) {
	srv, cfg := setup(t, nil)
	cfg.KnownHosts = filepath.Join(t.TempDir(), "new", "known_hosts")
	cfg.TrustOnFirstUse = true
	dial(t, cfg)
	data, err := os.ReadFile(cfg.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(data)), srv.knownHostsLine(); got != want {
		t.Fatalf("known_hosts = %q, want %q", got, want)
	}
	// Now strict checking accepts it, and nothing more is appended.
	cfg.TrustOnFirstUse = false
	dial(t, cfg)
	cfg.TrustOnFirstUse = true
	dial(t, cfg)
	again, _ := os.ReadFile(cfg.KnownHosts)
	if string(again) != string(data) {
		t.Fatalf("known_hosts changed on a known host:\n%s", again)
	}

	// A file without a final newline gets one before the new line.
	other := newTestServer(t, nil)
	other.authorize(mustPub(t, cfg.IdentityFile))
	os.WriteFile(cfg.KnownHosts, []byte("# no newline"), 0o600)
	cfg.Port = other.port
	dial(t, cfg)
	data, _ = os.ReadFile(cfg.KnownHosts)
	if want := "# no newline\n" + other.knownHostsLine() + "\n"; string(data) != want {
		t.Fatalf("known_hosts = %q, want %q", data, want)
	}
}

func mustPub(t *testing.T, keyFile string) ssh.PublicKey {
	t.Helper()
	data, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return signer.PublicKey()
}

func TestKnownHostsMismatch(t *testing.T) {
	srv, cfg := setup(t, nil)
	old := newSigner(t).PublicKey()
	lines := "# first line\n[127.0.0.1]:" + strconv.Itoa(srv.port) + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(old))) + "\n"
	os.WriteFile(cfg.KnownHosts, []byte(lines), 0o600)
	for _, tofu := range []bool{false, true} {
		cfg.TrustOnFirstUse = tofu
		_, err := DialSSH(context.Background(), cfg)
		wantError(t, err,
			"s1 (127.0.0.1:"+strconv.Itoa(srv.port)+"): host key mismatch: "+cfg.KnownHosts+" line 2 has ssh-ed25519 "+ssh.FingerprintSHA256(old),
			"server offered ssh-ed25519 "+ssh.FingerprintSHA256(srv.hostKey.PublicKey()),
			"if the server was reinstalled, remove that line")
	}
	if srv.logins.Load() != 0 {
		t.Fatal("logged in despite a changed host key")
	}
}

func TestJumpHost(t *testing.T) {
	target, cfg := setup(t, nil)
	jump := newTestServer(t, func(s *testServer) { s.forward = true })
	jump.authorize(mustPub(t, cfg.IdentityFile))
	f, _ := os.OpenFile(cfg.KnownHosts, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(jump.knownHostsLine() + "\n")
	f.Close()

	var direct []string
	cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		direct = append(direct, addr)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	cfg.Jump = &Config{Host: "bastion", Address: "127.0.0.1", Port: jump.port, IdentityFile: cfg.IdentityFile}
	conn := dial(t, cfg)
	if out, _, err := conn.Run(context.Background(), "echo through", nil); err != nil || string(out) != "through\n" {
		t.Fatalf("Run = %q, %v", out, err)
	}
	if len(direct) != 1 || direct[0] != jump.addr() {
		t.Fatalf("dialled directly %v, want only the jump host %s", direct, jump.addr())
	}
	if jump.forwards.Load() != 1 || target.logins.Load() != 1 {
		t.Fatalf("forwards = %d, target logins = %d", jump.forwards.Load(), target.logins.Load())
	}
	if n := cfg.Stats.Dials.Load(); n != 2 {
		t.Fatalf("Dials = %d, want 2 (jump + target)", n)
	}

	// A jump host that refuses to forward.
	nofwd := newTestServer(t, nil)
	nofwd.authorize(mustPub(t, cfg.IdentityFile))
	cfg.Jump.Port = nofwd.port
	cfg.Jump.TrustOnFirstUse = true
	_, err := DialSSH(context.Background(), cfg)
	wantError(t, err, "s1 (127.0.0.1:", "the jump host could not connect: port forwarding is disabled")

	// A jump host that is down.
	cfg.Jump.Port = closedPort(t)
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "s1 (127.0.0.1:", "via jump host: bastion (127.0.0.1:", "connection refused")
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestConnectionRefused(t *testing.T) {
	_, cfg := setup(t, nil)
	cfg.Port = closedPort(t)
	_, err := DialSSH(context.Background(), cfg)
	wantError(t, err, "s1 (127.0.0.1:"+strconv.Itoa(cfg.Port)+"): connection refused")
}

func TestTimeouts(t *testing.T) {
	_, cfg := setup(t, nil)
	// A listener that accepts and never speaks SSH.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cfg.Port = ln.Addr().(*net.TCPAddr).Port
	cfg.Timeout = 200 * time.Millisecond
	start := time.Now()
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "s1 (127.0.0.1:", "SSH handshake timed out after 200ms")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("timeout took %s", d)
	}

	// A dialer that hangs (an unreachable address).
	cfg.Dial = func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "s1 (127.0.0.1:", "connection timed out after 200ms")

	// The caller's context ends first.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = DialSSH(ctx, cfg)
	wantError(t, err, "context canceled")
}

// The first keepalive waits an interval, as OpenSSH's ServerAliveInterval
// does: a connection used and closed within one sends none (a plan's
// hosts mostly are), and one held longer still sends them.
func TestFirstKeepAliveWaitsAnInterval(t *testing.T) {
	srv, cfg := setup(t, nil)
	const every = 2 * time.Second
	cfg.KeepAlive = every
	start := time.Now()
	conn := dial(t, cfg)
	if _, _, err := conn.Run(context.Background(), "true", nil); err != nil {
		t.Fatal(err)
	}
	sent, elapsed := srv.globals.Load(), time.Since(start)
	if elapsed >= every {
		t.Fatalf("dialling and one command took %s, more than the keepalive interval: nothing to conclude", elapsed)
	}
	if sent != 0 {
		t.Fatalf("%d keepalive(s) sent %s after the connection opened, before the first interval (%s) passed", sent, elapsed.Round(time.Millisecond), every)
	}
	for deadline := time.Now().Add(2 * every); srv.globals.Load() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no keepalive %s after the connection opened", 3*every)
		}
	}
}

func TestKeepAliveClosesDeadConnection(t *testing.T) {
	_, cfg := setup(t, func(s *testServer) { s.ignoreGlobal = true })
	cfg.KeepAlive = 50 * time.Millisecond
	conn := dial(t, cfg)
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, _, err := conn.Run(context.Background(), "true", nil)
		if err != nil {
			wantError(t, err, "s1 (127.0.0.1:")
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the connection stayed open although keepalives went unanswered")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

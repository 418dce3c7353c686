package transport

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/drover/drover/third_party/xcrypto/ssh"

	"github.com/drover/drover/internal/testkit"
)

func TestDefaultIdentityFiles(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", "")
	_, cfg := setup(t, nil)
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	data, _ := os.ReadFile(cfg.IdentityFile)
	os.WriteFile(filepath.Join(home, ".ssh", "id_ecdsa"), data, 0o600) // any type: the file name is what is tried
	cfg.IdentityFile, cfg.Agent = "", false
	dial(t, cfg)

	os.Remove(filepath.Join(home, ".ssh", "id_ecdsa"))
	_, err := DialSSH(context.Background(), cfg)
	wantError(t, err, "no SSH key to log in as root", "~/.ssh/id_ed25519")
}

func TestGlobalKnownHosts(t *testing.T) {
	_, cfg := setup(t, nil)
	line, _ := os.ReadFile(cfg.KnownHosts)
	global := filepath.Join(t.TempDir(), "ssh_known_hosts")
	os.WriteFile(global, line, 0o644)
	os.WriteFile(cfg.KnownHosts, []byte("# the user file knows nothing\n"), 0o600)
	cfg.GlobalKnownHosts = []string{global, "/nonexistent/ssh_known_hosts2"}
	dial(t, cfg)

	cfg.GlobalKnownHosts = []string{}
	_, err := DialSSH(context.Background(), cfg)
	wantError(t, err, "unknown host key")
}

// hostCertServer starts a test server whose host key is certified by a CA
// made with ssh-keygen, and returns it with the CA's public key line.
func hostCertServer(t *testing.T) (*testServer, Config, string) {
	testkit.NeedProgram(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	keygen := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen %v: %v\n%s", args, err, out)
		}
	}
	keygen("-q", "-t", "ed25519", "-N", "", "-C", "test CA", "-f", filepath.Join(dir, "ca"))
	keygen("-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, "host"))
	keygen("-q", "-s", filepath.Join(dir, "ca"), "-I", "s1", "-h", "-n", "127.0.0.1", filepath.Join(dir, "host.pub"))
	priv, _ := os.ReadFile(filepath.Join(dir, "host"))
	signer, err := ssh.ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, ok := loadCertificate(nil, filepath.Join(dir, "host-cert.pub"))
	if !ok {
		t.Fatal("ssh-keygen wrote no host certificate")
	}
	certSigner, err := ssh.NewCertSigner(cert, signer)
	if err != nil {
		t.Fatal(err)
	}
	srv, cfg := setup(t, func(s *testServer) { s.hostKey = certSigner })
	ca, _ := os.ReadFile(filepath.Join(dir, "ca.pub"))
	return srv, cfg, strings.TrimSpace(string(ca))
}

func TestHostCertificate(t *testing.T) {
	srv, cfg, ca := hostCertServer(t)
	// Off port 22 a pattern names the port, as ssh writes it.
	pattern := "[127.0.0.1]:" + strconv.Itoa(srv.port)
	os.WriteFile(cfg.KnownHosts, []byte("@cert-authority "+pattern+" "+ca+"\n"), 0o600)
	conn := dial(t, cfg)
	if out, _, err := conn.Run(context.Background(), "echo certified", nil); err != nil || string(out) != "certified\n" {
		t.Fatalf("Run = %q, %v", out, err)
	}
	if srv.logins.Load() != 1 {
		t.Fatalf("logins = %d", srv.logins.Load())
	}

	// A certificate by another CA is refused, with or without trust on
	// first use.
	other := newSigner(t).PublicKey()
	os.WriteFile(cfg.KnownHosts, []byte("@cert-authority "+pattern+" "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(other)))+"\n"), 0o600)
	for _, tofu := range []bool{false, true} {
		cfg.TrustOnFirstUse = tofu
		_, err := DialSSH(context.Background(), cfg)
		if err == nil {
			t.Fatalf("a certificate by an unknown CA was accepted (trust_on_first_use %v)", tofu)
		}
	}
	if srv.logins.Load() != 1 {
		t.Fatal("logged in with an untrusted host certificate")
	}
}

package transport

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/drover/drover/third_party/xcrypto/ssh"
)

// syncBuffer is a bytes.Buffer safe for the log's concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func debugLog() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// wantLines checks that each pattern matches a line of the log, in order.
func wantLines(t *testing.T, log string, patterns ...string) {
	t.Helper()
	lines := strings.Split(log, "\n")
	i := 0
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			t.Fatalf("no line matching %q (in order) in the log:\n%s", p, log)
		}
		i++
	}
}

// TestHandshakeLog: the debug log shows each step of a connection: TCP
// connect with its time, the version exchange and negotiated algorithms,
// the host key verified by its known_hosts line, the keys offered and the
// one the server accepted, a session, the helper start. No private key
// material appears.
func TestHandshakeLog(t *testing.T) {
	srv, cfg := setup(t, nil)
	dir := filepath.Dir(cfg.IdentityFile)
	good := cfg.IdentityFile
	_, _, bad := newClientKey(t, dir, "id_other") // not authorized: offered first, refused
	cfg.IdentityFile, cfg.IdentityFiles = bad, []string{good}
	log, buf := debugLog()
	cfg.Log = log
	conn := dial(t, cfg)
	if _, _, err := conn.Run(context.Background(), "true", nil); err != nil {
		t.Fatal(err)
	}
	goodFP := ssh.FingerprintSHA256(mustPub(t, good))
	badFP := ssh.FingerprintSHA256(mustPub(t, bad))
	hostFP := ssh.FingerprintSHA256(srv.hostKey.PublicKey())
	out := buf.String()
	wantLines(t, out,
		`msg="tcp connected" ssh_host=s1 addr=127\.0\.0\.1:\d+ local=127\.0\.0\.1:\d+ remote=127\.0\.0\.1:\d+ elapsed=`,
		`msg="ssh host key verified" ssh_host=s1 .*key="server ssh-ed25519 `+regexp.QuoteMeta(hostFP)+`" by=`+regexp.QuoteMeta(cfg.KnownHosts)+`:1`,
		`msg="ssh auth publickey: offering keys in order" .*keys="\[`+regexp.QuoteMeta(bad)+` ssh-ed25519 `+regexp.QuoteMeta(badFP)+` `+regexp.QuoteMeta(good)+` ssh-ed25519 `+regexp.QuoteMeta(goodFP)+`\]"`,
		`msg="ssh auth publickey: server accepts key, signing" .*key="`+regexp.QuoteMeta(good)+` ssh-ed25519 `+regexp.QuoteMeta(goodFP)+`"`,
		// Logged once the algorithms are known to the ssh package's
		// callbacks: after the first authentication request, which no
		// longer follows a "none" probe.
		`msg="ssh key exchange done" .*server_version=SSH-2\.0-Go client_version=SSH-2\.0-Go kex=\S+ host_key_algorithm=ssh-ed25519 cipher_out=\S+`,
		`msg="ssh authenticated" .*user=root method=publickey key="`+regexp.QuoteMeta(good),
		`msg="ssh handshake done" ssh_host=s1 .*elapsed=`,
		`msg="ssh session open" ssh_host=s1 elapsed=\S+ command=`+"`true`",
	)
	if strings.Contains(out, "method none") {
		t.Errorf("the none method was tried: PublicKeysDirect goes first\n%s", out)
	}
	for _, f := range []string{good, bad} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if len(line) > 20 && !strings.HasPrefix(line, "-----") && strings.Contains(out, line) {
				t.Fatalf("the log holds private key material of %s", f)
			}
		}
	}
}

// TestHandshakeLogJumpAndFailure: a jump hop is logged before the target's
// steps; a refused key and an unknown host key are logged with the error.
func TestHandshakeLogJumpAndFailure(t *testing.T) {
	_, cfg := setup(t, nil)
	jump := newTestServer(t, func(s *testServer) { s.forward = true })
	jump.authorize(mustPub(t, cfg.IdentityFile))
	f, _ := os.OpenFile(cfg.KnownHosts, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(jump.knownHostsLine() + "\n")
	f.Close()
	log, buf := debugLog()
	cfg.Log = log
	cfg.Jump = &Config{Host: "bastion", Address: "127.0.0.1", Port: jump.port, IdentityFile: cfg.IdentityFile}
	dial(t, cfg)
	wantLines(t, buf.String(),
		`msg="ssh via jump host" ssh_host=s1 .*jump=bastion$`,
		`msg="tcp connected" ssh_host=bastion `,
		`msg="ssh host key verified" ssh_host=bastion .*by=\S+:2`,
		`msg="ssh handshake done" ssh_host=bastion `,
		`msg="tcp connected through jump host" ssh_host=s1 .*jump="bastion \(127\.0\.0\.1:\d+\)"`,
		`msg="ssh host key verified" ssh_host=s1 .*by=\S+:1`,
		`msg="ssh handshake done" ssh_host=s1 `,
	)

	// A key the server refuses.
	_, cfg = setup(t, nil)
	_, _, other := newClientKey(t, filepath.Dir(cfg.IdentityFile), "id_other")
	cfg.IdentityFile = other
	log, buf = debugLog()
	cfg.Log = log
	_, err := DialSSH(context.Background(), cfg)
	wantError(t, err, "authentication failed")
	wantLines(t, buf.String(),
		`msg="ssh auth publickey: offering keys in order"`,
		`msg="ssh auth method failed" ssh_host=s1 .*method=publickey server_allows=\[publickey\]`,
		`msg="ssh handshake failed" .*err=".*authentication failed for root`,
	)
	if strings.Contains(buf.String(), "server accepts key") {
		t.Fatalf("a refused key logged as accepted:\n%s", buf.String())
	}

	// An unknown host key.
	_, cfg = setup(t, nil)
	if err := os.WriteFile(cfg.KnownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	log, buf = debugLog()
	cfg.Log = log
	_, err = DialSSH(context.Background(), cfg)
	wantError(t, err, "unknown host key")
	wantLines(t, buf.String(), `msg="ssh handshake failed" .*unknown host key`)

	// Trust on first use records the key and says so.
	cfg.TrustOnFirstUse = true
	dial(t, cfg)
	wantLines(t, buf.String(), fmt.Sprintf(`msg="ssh host key trusted on first use" .*recorded_in=%s`, regexp.QuoteMeta(cfg.KnownHosts)))
}

// TestHandshakeLogHostCertificate: a host key verified through a
// @cert-authority line is logged with the CA's fingerprint.
func TestHandshakeLogHostCertificate(t *testing.T) {
	srv, cfg, ca := hostCertServer(t)
	pattern := "[127.0.0.1]:" + fmt.Sprint(srv.port)
	if err := os.WriteFile(cfg.KnownHosts, []byte("@cert-authority "+pattern+" "+ca+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	caKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(ca))
	if err != nil {
		t.Fatal(err)
	}
	log, buf := debugLog()
	cfg.Log = log
	dial(t, cfg)
	wantLines(t, buf.String(),
		`msg="ssh host key verified" ssh_host=s1 .*key="server ssh-ed25519-cert-v01@openssh\.com SHA256:\S+" by="@cert-authority in known_hosts" ca="ca ssh-ed25519 `+regexp.QuoteMeta(ssh.FingerprintSHA256(caKey))+`"`,
		`msg="ssh key exchange done" .*host_key_algorithm=ssh-ed25519-cert-v01@openssh\.com`,
	)
}

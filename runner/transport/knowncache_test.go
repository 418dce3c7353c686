package transport

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/third_party/xcrypto/ssh"
	"github.com/drover/drover/third_party/xcrypto/ssh/knownhosts"
)

func testKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The index answers every check as knownhosts does: the same verdict,
// and a KeyError wanting the same lines.
func TestKnownHostsIndexAgreesWithKnownhosts(t *testing.T) {
	dir := t.TempDir()
	k1, k2, k3, other := testKey(t), testKey(t), testKey(t), testKey(t)
	line := func(hosts string, k ssh.PublicKey) string {
		return hosts + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
	}
	a := filepath.Join(dir, "a")
	b := filepath.Join(dir, "b")
	write := func(path string, lines ...string) {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(a, "# a comment", "", line("198.51.100.1", k1), line("198.51.100.2,198.51.100.2", k2),
		"  "+line("[198.51.100.3]:2222", k3), line("2001:db8::1", k1), line("h1.example,198.51.100.9", k2),
		line("h2.example:2200", k3), line("198.51.100.1", k3))
	write(b, line("198.51.100.2", k1), line("[2001:db8::1]:2222", k2))
	e, err := parseKnown([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if e.byHost == nil {
		t.Fatal("literal known_hosts files were not indexed")
	}
	remote := &net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 22}
	for _, addr := range []string{"198.51.100.1:22", "198.51.100.2:22", "198.51.100.3:2222", "198.51.100.3:22",
		"[2001:db8::1]:22", "[2001:db8::1]:2222", "h1.example:22", "198.51.100.9:22", "h2.example:2200",
		"h2.example:22", "203.0.113.7:22", "", "unknown:22"} {
		for i, k := range []ssh.PublicKey{k1, k2, k3, other} {
			want := e.cb(addr, remote, k)
			got := e.check(addr, remote, k)
			if describeKnown(got) != describeKnown(want) {
				t.Errorf("%q key %d: index says %s, knownhosts %s", addr, i+1, describeKnown(got), describeKnown(want))
			}
		}
	}
}

// describeKnown is a check's verdict with the lines a KeyError wants.
func describeKnown(err error) string {
	var keyErr *knownhosts.KeyError
	if !errors.As(err, &keyErr) {
		return fmt.Sprint(err)
	}
	s := err.Error()
	for _, k := range keyErr.Want {
		s += fmt.Sprintf(" %s:%d:%s", filepath.Base(k.Filename), k.Line, ssh.FingerprintSHA256(k.Key))
	}
	return s
}

// A file with a line the index cannot hold (hashed, a wildcard, a
// marker) is checked by knownhosts alone.
func TestKnownHostsIndexOnlyLiteral(t *testing.T) {
	dir := t.TempDir()
	k := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(testKey(t))))
	for _, first := range []string{"*.example " + k, "@cert-authority *.example " + k, "!h1,h2 " + k,
		knownhosts.HashHostname("198.51.100.1") + " " + k} {
		path := filepath.Join(dir, "kh")
		if err := os.WriteFile(path, []byte("198.51.100.2 "+k+"\n"+first+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e, err := parseKnown([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		if e.byHost != nil {
			t.Errorf("%q: indexed", first)
		}
	}
}

package transport

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/drover/drover/third_party/xcrypto/ssh"
	"github.com/drover/drover/third_party/xcrypto/ssh/knownhosts"
)

// hostKeyChecker verifies a server's host key against known_hosts, records
// new keys when trusting on first use, and keeps the failure it reported so
// that the handshake error can be explained.
type hostKeyChecker struct {
	cfg   Config
	known ssh.HostKeyCallback // nil when no file exists
	types []string            // key types known_hosts has for this server
	// certs is set when a known_hosts file has @cert-authority lines:
	// certificate host key algorithms are then asked for first.
	certs bool
	// keys are the known_hosts lines for this server, for the debug log.
	keys []knownhosts.KnownKey
	log  *handshakeLog

	mu   sync.Mutex
	fail error
}

func newHostKeyChecker(cfg Config) (*hostKeyChecker, error) {
	h := &hostKeyChecker{cfg: cfg}
	var paths []string
	for _, f := range append([]string{cfg.KnownHosts}, cfg.GlobalKnownHosts...) {
		paths = append(paths, expandHome(f))
	}
	e, err := cfg.KnownHostsCache.load(paths)
	if err != nil {
		return nil, err
	}
	h.certs = e.certs
	if e.cb == nil {
		return h, nil
	}
	h.known = e.callback()
	h.types = h.knownTypes()
	return h, nil
}

// knownTypes asks known_hosts which key types it has for the server, by
// checking a key that cannot match and reading the keys it wanted instead.
func (h *hostKeyChecker) knownTypes() []string {
	probe, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		return nil
	}
	remote := &net.TCPAddr{IP: net.IPv4zero, Port: h.cfg.Port}
	var keyErr *knownhosts.KeyError
	if !errors.As(h.known(h.cfg.addr(), remote, probe), &keyErr) {
		return nil
	}
	h.keys = keyErr.Want
	var types []string
	for _, k := range keyErr.Want {
		if !slices.Contains(types, k.Key.Type()) {
			types = append(types, k.Key.Type())
		}
	}
	return types
}

// hasCertAuthority reports whether a known_hosts file has a
// @cert-authority line.
func hasCertAuthority(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "@cert-authority") {
			return true
		}
	}
	return false
}

// algorithms lists host key algorithms with the ones known_hosts has for
// this server first, so that the server presents the key we can verify
// (as OpenSSH does): certificate algorithms when a @cert-authority line
// could verify one, then the key types known for this server, then plain
// keys. Certificates are not asked for without a certificate authority:
// an unknown certificate could then not be trusted on first use.
func (h *hostKeyChecker) algorithms() []string {
	var algos []string
	if h.certs {
		for _, a := range ssh.SupportedAlgorithms().HostKeys {
			if strings.Contains(a, "-cert-") {
				algos = append(algos, a)
			}
		}
	}
	for _, t := range h.types {
		if t == ssh.KeyAlgoRSA {
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256)
			continue
		}
		algos = append(algos, t)
	}
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if !slices.Contains(algos, a) && !strings.Contains(a, "-cert-") {
			algos = append(algos, a)
		}
	}
	return algos
}

// check is the ssh.HostKeyCallback.
func (h *hostKeyChecker) check(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := h.verify(hostname, remote, key)
	if err != nil {
		h.mu.Lock()
		h.fail = err
		h.mu.Unlock()
	}
	return err
}

// failure is the host key error of the last check, if any.
func (h *hostKeyChecker) failure() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fail
}

func (h *hostKeyChecker) verify(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if h.known != nil {
		err := h.known(hostname, remote, key)
		if err == nil {
			h.logVerified(key)
			return nil
		}
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		switch {
		case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
			return h.mismatch(keyErr.Want, key)
		case errors.As(err, &revoked):
			return fmt.Errorf("host key %s %s is marked @revoked in %s line %d",
				key.Type(), ssh.FingerprintSHA256(key), revoked.Revoked.Filename, revoked.Revoked.Line)
		case !errors.As(err, &keyErr):
			return fmt.Errorf("checking the host key: %w", err)
		}
	}
	if !h.cfg.TrustOnFirstUse {
		return fmt.Errorf("unknown host key %s %s (not in %s); set trust_on_first_use = true in the ssh block to accept it, or add it to that file",
			key.Type(), ssh.FingerprintSHA256(key), shortenHome(h.cfg.KnownHosts))
	}
	if err := h.record(key); err != nil {
		return fmt.Errorf("trusting the host key on first use: %w", err)
	}
	h.debug("ssh host key trusted on first use", "key", keyName("server", key), "recorded_in", h.cfg.KnownHosts)
	return nil
}

// logVerified says how a host key was verified: the known_hosts line
// holding it, or the certificate authority that signed its certificate.
func (h *hostKeyChecker) logVerified(key ssh.PublicKey) {
	if cert, ok := key.(*ssh.Certificate); ok {
		h.debug("ssh host key verified", "key", keyName("server", key),
			"by", "@cert-authority in known_hosts", "ca", keyName("ca", cert.SignatureKey))
		return
	}
	for _, k := range h.keys {
		if bytes.Equal(k.Key.Marshal(), key.Marshal()) {
			h.debug("ssh host key verified", "key", keyName("server", key), "by", fmt.Sprintf("%s:%d", k.Filename, k.Line))
			return
		}
	}
	h.debug("ssh host key verified", "key", keyName("server", key), "by", "known_hosts")
}

func (h *hostKeyChecker) debug(msg string, args ...any) {
	if h.log != nil {
		h.log.log.Debug(msg, args...)
	}
}

// mismatch explains a changed host key, naming the known_hosts line to
// remove, preferring a line with the type the server offered.
func (h *hostKeyChecker) mismatch(want []knownhosts.KnownKey, got ssh.PublicKey) error {
	k := want[0]
	for _, w := range want {
		if w.Key.Type() == got.Type() {
			k = w
			break
		}
	}
	return fmt.Errorf("host key mismatch: %s line %d has %s %s, server offered %s %s; "+
		"if the server was reinstalled, remove that line (ssh-keygen -R %s -f %s)",
		shortenHome(k.Filename), k.Line, k.Key.Type(), ssh.FingerprintSHA256(k.Key),
		got.Type(), ssh.FingerprintSHA256(got),
		shellQuote(knownhosts.Normalize(h.cfg.addr())), shellQuote(k.Filename))
}

// record appends the server's key to known_hosts, creating the file (and
// its directory) if needed. The file is locked so that concurrent dials to
// several new servers do not interleave their lines.
func (h *hostKeyChecker) record(key ssh.PublicKey) error {
	path := h.cfg.KnownHosts
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s: %w", path, err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(h.cfg.addr())}, key) + "\n"
	if needsNewline(f) {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// needsNewline reports whether f is non-empty and lacks a final newline.
func needsNewline(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return false
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, st.Size()-1); err != nil {
		return false
	}
	return last[0] != '\n'
}

package transport

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/third_party/xcrypto/ssh"
)

// The debug log of a connection's negotiation, step by step, as `ssh -v`
// shows it: TCP connect, jump hops, the SSH version exchange and the
// algorithms negotiated, the host key check, each authentication method
// and key offered with its result, sessions and helper starts. Only
// public facts are logged: key types and SHA256 fingerprints of public
// keys, file names; never a private key, a passphrase or a password.

// handshakeLog follows one connection's SSH handshake.
type handshakeLog struct {
	log *slog.Logger

	mu         sync.Mutex
	negotiated bool   // the version exchange and algorithms were logged
	tried      int    // authentication attempts seen
	signed     string // the key the server accepted last, as described
}

func newHandshakeLog(cfg Config) *handshakeLog {
	return &handshakeLog{log: cfg.Log.With("ssh_host", cfg.Host, "addr", cfg.addr())}
}

// tcpConnected logs the TCP connection made (directly, or as a channel
// through a jump host).
func (h *handshakeLog) tcpConnected(c net.Conn, jump *sshConn, took time.Duration) {
	if jump != nil {
		h.log.Debug("tcp connected through jump host", "jump", jump.label(), "elapsed", took)
		return
	}
	h.log.Debug("tcp connected", "local", c.LocalAddr().String(), "remote", c.RemoteAddr().String(), "elapsed", took)
}

// negotiatedAlgorithms logs the version exchange and key exchange, once.
func (h *handshakeLog) negotiatedAlgorithms(m ssh.ConnMetadata, algs ssh.NegotiatedAlgorithms) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.negotiated {
		return
	}
	h.negotiated = true
	h.log.Debug("ssh key exchange done",
		"server_version", string(m.ServerVersion()), "client_version", string(m.ClientVersion()),
		"kex", algs.KeyExchange, "host_key_algorithm", algs.HostKey,
		"cipher_out", algs.Write.Cipher, "mac_out", macName(algs.Write),
		"cipher_in", algs.Read.Cipher, "mac_in", macName(algs.Read))
}

// macName is the MAC of one direction; an AEAD cipher has none.
func macName(d ssh.DirectionAlgorithms) string {
	if strings.Contains(d.Cipher, "gcm") || strings.Contains(d.Cipher, "poly1305") {
		return "(implicit: AEAD cipher)"
	}
	return d.MAC
}

// authCallback is ssh.ClientConfig.AuthCallback: it logs what the server
// allows and the method that just failed, and leaves the choice of the
// next method to the ssh package (it returns nil, nil).
func (h *handshakeLog) authCallback(ctx *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
	h.negotiatedAlgorithms(ctx.Metadata, ctx.Algorithms)
	h.mu.Lock()
	failed := ctx.TriedMethods[min(h.tried, len(ctx.TriedMethods)):]
	h.tried = len(ctx.TriedMethods)
	h.mu.Unlock()
	for _, m := range failed {
		msg := "ssh auth method failed"
		if m == "none" {
			msg = "ssh auth method none refused (as expected)"
		}
		h.log.Debug(msg, "method", m, "server_allows", ctx.AllowedMethods)
	}
	return nil, nil
}

// offering logs the keys one publickey attempt offers, in order.
func (h *handshakeLog) offering(names []string) {
	h.log.Debug("ssh auth publickey: offering keys in order", "keys", names)
}

// accepted logs the key that now signs: one the server said it accepts,
// or the only key offered, which signs without asking first
// (ssh.PublicKeysDirect).
func (h *handshakeLog) accepted(name string, only bool) {
	h.mu.Lock()
	h.signed = name
	h.mu.Unlock()
	if only {
		h.log.Debug("ssh auth publickey: signing with the only key, without asking the server first", "key", name)
		return
	}
	h.log.Debug("ssh auth publickey: server accepts key, signing", "key", name)
}

// done logs the end of a successful handshake.
func (h *handshakeLog) done(sc ssh.Conn, user string) {
	if m, ok := sc.(ssh.AlgorithmsConnMetadata); ok {
		h.negotiatedAlgorithms(m, m.Algorithms())
	}
	h.mu.Lock()
	key := h.signed
	h.mu.Unlock()
	method := "publickey"
	if key == "" {
		method = "none"
	}
	h.log.Debug("ssh authenticated", "user", user, "method", method, "key", key)
}

// keyName describes a public key for the log: where it came from, its
// type and SHA256 fingerprint.
func keyName(source string, k ssh.PublicKey) string {
	return source + " " + k.Type() + " " + ssh.FingerprintSHA256(k)
}

// logSigners wraps signers so that the log says which one the server
// accepted; each wrapper has the same capabilities (Signer,
// AlgorithmSigner, MultiAlgorithmSigner) as what it wraps, so the ssh
// package picks the same signature algorithms.
func logSigners(h *handshakeLog, signers []ssh.Signer, names []string) []ssh.Signer {
	out := make([]ssh.Signer, len(signers))
	for i, s := range signers {
		// One key that is not an RSA certificate signs without a query
		// (ssh.PublicKeysDirect).
		only := len(signers) == 1 && s.PublicKey().Type() != ssh.CertAlgoRSAv01
		note := func() { h.accepted(names[i], only) }
		switch s := s.(type) {
		case ssh.MultiAlgorithmSigner:
			out[i] = loggedMultiSigner{s, note}
		case ssh.AlgorithmSigner:
			out[i] = loggedAlgoSigner{s, note}
		default:
			out[i] = loggedSigner{s, note}
		}
	}
	return out
}

type loggedSigner struct {
	ssh.Signer
	note func()
}

func (s loggedSigner) Sign(r io.Reader, data []byte) (*ssh.Signature, error) {
	s.note()
	return s.Signer.Sign(r, data)
}

type loggedAlgoSigner struct {
	ssh.AlgorithmSigner
	note func()
}

func (s loggedAlgoSigner) Sign(r io.Reader, data []byte) (*ssh.Signature, error) {
	s.note()
	return s.AlgorithmSigner.Sign(r, data)
}

func (s loggedAlgoSigner) SignWithAlgorithm(r io.Reader, data []byte, algo string) (*ssh.Signature, error) {
	s.note()
	return s.AlgorithmSigner.SignWithAlgorithm(r, data, algo)
}

type loggedMultiSigner struct {
	ssh.MultiAlgorithmSigner
	note func()
}

func (s loggedMultiSigner) Sign(r io.Reader, data []byte) (*ssh.Signature, error) {
	s.note()
	return s.MultiAlgorithmSigner.Sign(r, data)
}

func (s loggedMultiSigner) SignWithAlgorithm(r io.Reader, data []byte, algo string) (*ssh.Signature, error) {
	s.note()
	return s.MultiAlgorithmSigner.SignWithAlgorithm(r, data, algo)
}

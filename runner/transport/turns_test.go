package transport

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
)

// readCounter counts the reads of a connection's socket.
type readCounter struct {
	net.Conn
	reads *atomic.Int64
}

func (c readCounter) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(p)
}

// TestHandshakeReadsTheVersionLineAtOnce: x/crypto/ssh reads the server's
// version line a byte at a time; through turnConn's buffer the whole
// handshake (version, key exchange, authentication) takes fewer socket
// reads than OpenSSH's version line has bytes, and the round trips are
// still counted.
func TestHandshakeReadsTheVersionLineAtOnce(t *testing.T) {
	const version = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
	_, cfg := setup(t, func(s *testServer) { s.version = version })
	var reads atomic.Int64
	cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		return readCounter{c, &reads}, err
	}
	conn := dial(t, cfg)
	if n := reads.Load(); n >= int64(len(version)) {
		t.Errorf("the handshake read the socket %d times: the %d-byte version line a byte at a time?", n, len(version))
	}
	if trips := RoundTrips(conn); trips < 5 || trips > 10 {
		t.Errorf("the handshake counted %d round trips, want 5..10 (TCP, version, key exchange, the authentication exchanges)", trips)
	}
}

// TestLoginSkipsTheProbes: with one key, the client neither probes the
// "none" method nor asks whether the server accepts the key before
// signing: one authentication request, at most six round trips in all
// (TCP, the versions, the key exchange's two, the user-auth service, the
// signed request; bytes that arrive together count once), two fewer than
// x/crypto/ssh's and OpenSSH's clients take. With
// two keys it still asks before signing, so that the refused key never
// signs, and still skips the "none" probe.
func TestLoginSkipsTheProbes(t *testing.T) {
	srv, cfg := setup(t, nil)
	conn := dial(t, cfg)
	srv.mu.Lock()
	attempts := slices.Clone(srv.attempts)
	srv.attempts = nil
	srv.mu.Unlock()
	if want := []string{"publickey ok=true"}; !slices.Equal(attempts, want) {
		t.Errorf("one key: the server saw %q, want %q", attempts, want)
	}
	if trips := RoundTrips(conn); trips > 6 {
		t.Errorf("one key: %d round trips, want at most 6", trips)
	}

	_, _, other := newClientKey(t, filepath.Dir(cfg.IdentityFile), "id_other") // refused
	cfg.IdentityFile, cfg.IdentityFiles = other, []string{cfg.IdentityFile}
	conn = dial(t, cfg)
	srv.mu.Lock()
	attempts = slices.Clone(srv.attempts)
	srv.mu.Unlock()
	// The refused key's query is logged as a failed attempt; the accepted
	// key's query is not (the server answers it), its signed request is.
	if want := []string{"publickey ok=false", "publickey ok=true"}; !slices.Equal(attempts, want) {
		t.Errorf("two keys: the server saw %q, want %q", attempts, want)
	}
}

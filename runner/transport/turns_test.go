package transport

import (
	"context"
	"net"
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

package transport

import (
	"bufio"
	"net"
	"sync"
)

// turnConn counts a connection's network round trips as seen from the
// client: each time bytes arrive after bytes were sent, plus one for the
// TCP handshake. Requests pipelined in one write count once; a keepalive
// answered while nothing waits counts too, so this is an upper bound of
// the round trips a run waits for. The lab's relay counts the same way.
//
// It also buffers what it reads: x/crypto/ssh reads the server's version
// line a byte at a time, a read system call per byte (OpenSSH's line is
// ~40 bytes) on every connection. Bytes that arrived with an earlier read
// are not a round trip; only a read that goes to the socket counts.
type turnConn struct {
	net.Conn
	in    *bufio.Reader // read by one goroutine at a time: x/crypto/ssh's reader
	mu    sync.Mutex
	sent  bool
	turns int64
}

// turnBuffer is the read buffer: the SSH transport reads packets through
// its own 4 KiB buffer, which reads this one's size and more from the
// socket directly.
const turnBuffer = 4096

func newTurnConn(c net.Conn) *turnConn {
	return &turnConn{Conn: c, in: bufio.NewReaderSize(c, turnBuffer), turns: 1}
}

func (c *turnConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.mu.Lock()
		c.sent = true
		c.mu.Unlock()
	}
	return n, err
}

func (c *turnConn) Read(p []byte) (int, error) {
	fromSocket := c.in.Buffered() == 0
	n, err := c.in.Read(p)
	if n > 0 && fromSocket {
		c.mu.Lock()
		if c.sent {
			c.turns++
			c.sent = false
		}
		c.mu.Unlock()
	}
	return n, err
}

// Turns is the round trips so far.
func (c *turnConn) Turns() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.turns
}

// RoundTrips reports the network round trips of conn (turnConn), or -1
// when it does not count them (a local host).
func RoundTrips(conn Conn) int64 {
	if c, ok := conn.(*sshConn); ok && c.turns != nil {
		return c.turns.Turns()
	}
	return -1
}

package sim

import (
	"io"
	"net"
	"sync"
	"time"
)

// pipe is a connected pair of in-memory stream connections, each direction
// buffering up to pipeBuffer bytes as a socket's send and receive buffers
// would (net.Pipe has none: both SSH sides writing their version at once
// would block each other; unbounded, a request written faster than the
// simulated server reads it is held twice, here and in its reader). No
// descriptors: a 10,000-server fleet fits the process's file limit, which a
// socket pair per server would not.
func pipe() (net.Conn, net.Conn) {
	a, b := newHalf(), newHalf()
	return &pipeConn{r: a, w: b}, &pipeConn{r: b, w: a}
}

// pipeBuffer is how many bytes one direction holds before a writer waits
// for its reader.
const pipeBuffer = 256 << 10

// half is one direction's buffer.
type half struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	closed bool
}

func newHalf() *half {
	h := &half{}
	h.cond = sync.NewCond(&h.mu)
	return h
}

func (h *half) read(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.buf) == 0 && !h.closed {
		h.cond.Wait()
	}
	if len(h.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, h.buf)
	h.buf = h.buf[n:]
	if len(h.buf) == 0 {
		h.buf = nil // let a large buffer go
	}
	h.cond.Broadcast() // a writer waiting for room
	return n, nil
}

// write appends p in pieces, each when the buffer has room for it.
func (h *half) write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for n < len(p) {
		for len(h.buf) >= pipeBuffer && !h.closed {
			h.cond.Wait()
		}
		if h.closed {
			return n, io.ErrClosedPipe
		}
		k := min(len(p)-n, pipeBuffer-len(h.buf))
		h.buf = append(h.buf, p[n:n+k]...)
		n += k
		h.cond.Broadcast()
	}
	return n, nil
}

func (h *half) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	h.cond.Broadcast()
}

// pipeConn reads from r and writes to w; Close ends both directions.
type pipeConn struct{ r, w *half }

func (c *pipeConn) Read(p []byte) (int, error)  { return c.r.read(p) }
func (c *pipeConn) Write(p []byte) (int, error) { return c.w.write(p) }
func (c *pipeConn) Close() error {
	c.r.close()
	c.w.close()
	return nil
}

func (c *pipeConn) LocalAddr() net.Addr              { return pipeAddr{} }
func (c *pipeConn) RemoteAddr() net.Addr             { return pipeAddr{} }
func (c *pipeConn) SetDeadline(time.Time) error      { return nil }
func (c *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *pipeConn) SetWriteDeadline(time.Time) error { return nil }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

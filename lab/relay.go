package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Relay is a delaying TCP relay: every connection it accepts is joined to
// an upstream connection, and every chunk of bytes is held for half the
// round-trip time in each direction before it is passed on, in order, as a
// WAN link would. A new connection waits one full round trip before its
// upstream is dialled, the cost of a TCP handshake over that link, so a
// client's first bytes reach the server 1.5 round trips after connect as
// they would over the WAN. (This kernel has no netem; a relay adds delay
// to TCP only, not to ping.)
//
// It also counts each connection's sequential round trips ("turns"): how
// many times bytes flowed back from the server after the client had sent
// some, i.e. how often the client had to wait for an answer, plus one for
// the TCP handshake. Pipelined requests count once.
type Relay struct {
	// RTT is the round-trip time to add.
	RTT time.Duration
	// Target returns where an accepted connection goes ("ip:port").
	Target func(c net.Conn) (string, error)
	// Dial makes the upstream connection; nil = a plain TCP dial.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Done receives each connection's figures when it ends; nil = none.
	Done func(RelayConn)

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	closed bool
	stop   chan struct{}
	wg     sync.WaitGroup
}

// RelayConn is what one relayed connection did.
type RelayConn struct {
	Target   string
	Turns    int   // sequential round trips, the handshake included (see Relay)
	Up, Down int64 // bytes client→server and server→client
	Elapsed  time.Duration
	Err      error // the upstream dial's failure, if any
}

// relayChunk is at most this many bytes, read in one go.
const relayChunk = 32 << 10

// Serve accepts connections on ln until Close. It returns nil after Close.
func (r *Relay) Serve(ln net.Listener) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		ln.Close()
		return nil
	}
	r.ln, r.conns, r.stop = ln, map[net.Conn]bool{}, make(chan struct{})
	r.wg.Add(1) // Serve itself, so Close waits for it
	r.mu.Unlock()
	defer r.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if r.isClosed() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("relay: %w", err)
		}
		if !r.track(c) {
			c.Close()
			return nil
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.handle(c)
		}()
	}
}

// Close stops accepting, closes every relayed connection and waits until
// all the relay's goroutines have ended.
func (r *Relay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	var err error
	if r.ln != nil {
		err = r.ln.Close()
		close(r.stop)
	}
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

func (r *Relay) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// track records c as open; false when the relay is closed.
func (r *Relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.conns[c] = true
	return true
}

func (r *Relay) untrack(cs ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		if c != nil {
			delete(r.conns, c)
			c.Close()
		}
	}
}

// handle relays one accepted connection.
func (r *Relay) handle(c net.Conn) {
	start := time.Now()
	st := RelayConn{}
	var up net.Conn
	defer func() {
		r.untrack(c, up)
		st.Elapsed = time.Since(start)
		if r.Done != nil {
			r.Done(st)
		}
	}()
	if st.Target, st.Err = r.Target(c); st.Err != nil {
		return
	}
	if !r.sleep(r.RTT) { // the TCP handshake over the link
		return
	}
	if up, st.Err = r.dial(st.Target); st.Err != nil {
		return
	}
	if !r.track(up) {
		return
	}
	t := &turns{n: 1} // the handshake
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); st.Up = r.pipe(c, up, t, true) }()
	go func() { defer wg.Done(); st.Down = r.pipe(up, c, t, false) }()
	wg.Wait()
	st.Turns = t.count()
}

func (r *Relay) dial(addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		select {
		case <-r.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	if r.Dial != nil {
		return r.Dial(ctx, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// sleep waits d unless the relay closes first; false if it did.
func (r *Relay) sleep(d time.Duration) bool {
	if d <= 0 {
		return !r.isClosed()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.stop:
		return false
	}
}

// pipe copies src to dst, each chunk held until half the round trip after
// it was read, and returns the bytes passed. At src's end it half-closes
// dst (after the held bytes), so each direction ends on its own.
func (r *Relay) pipe(src, dst net.Conn, t *turns, upward bool) int64 {
	type chunk struct {
		b   []byte
		due time.Time
	}
	q := make(chan chunk, 64)
	half := r.RTT / 2
	var n int64
	done := make(chan struct{})
	go func() { // the writer
		defer close(done)
		failed := false
		for ch := range q {
			if failed || !r.sleep(time.Until(ch.due)) {
				failed = true
				continue
			}
			t.pass(upward)
			if _, err := dst.Write(ch.b); err != nil {
				failed = true
				src.Close() // stop the reader too
				continue
			}
			n += int64(len(ch.b))
		}
		if cw, ok := dst.(interface{ CloseWrite() error }); ok && !failed {
			cw.CloseWrite()
		} else {
			dst.Close()
		}
	}()
	for {
		b := make([]byte, relayChunk)
		k, err := src.Read(b)
		if k > 0 {
			q <- chunk{b[:k], time.Now().Add(half)}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				dst.Close()
			}
			break
		}
	}
	close(q)
	<-done
	return n
}

// turns counts a connection's sequential round trips: the times bytes
// flowed server→client right after bytes had flowed client→server.
type turns struct {
	mu     sync.Mutex
	lastUp bool
	n      int
}

func (t *turns) pass(upward bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !upward && t.lastUp {
		t.n++
	}
	t.lastUp = upward
}

func (t *turns) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

package lab

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// echoServer accepts connections and echoes them until closed.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

// startRelay runs a Relay to target with rtt; it returns the relay's
// address, the relay and the channel of finished connections.
func startTestRelay(t *testing.T, target string, rtt time.Duration) (string, *Relay, chan RelayConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan RelayConn, 16)
	r := &Relay{RTT: rtt, Target: func(net.Conn) (string, error) { return target, nil },
		Done: func(c RelayConn) { done <- c }}
	served := make(chan error, 1)
	go func() { served <- r.Serve(ln) }()
	t.Cleanup(func() {
		r.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), r, done
}

// TestRelayAddsRTT measures timed TCP round trips through the relay: each
// echo takes at least the round-trip time, and the connection's first
// bytes come back after 2 (the handshake, then the echo).
func TestRelayAddsRTT(t *testing.T) {
	const rtt = 60 * time.Millisecond
	addr, _, done := startTestRelay(t, echoServer(t), rtt)
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	var trips []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		if _, err := c.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil || buf[0] != byte(i) {
			t.Fatalf("echo %d: %v %v", i, buf, err)
		}
		trips = append(trips, time.Since(t0))
	}
	first := time.Since(start) - sum(trips[1:])
	c.Close()
	if first < 2*rtt {
		t.Errorf("first echo after connect took %s, want >= 2 x %s (handshake + echo)", first, rtt)
	}
	for i, d := range trips[1:] {
		if d < rtt || d > 10*rtt {
			t.Errorf("round trip %d took %s, want about %s", i+2, d, rtt)
		}
	}
	st := <-done
	if st.Turns != 6 || st.Up != 5 || st.Down != 5 {
		t.Errorf("relay counted %+v, want 6 turns (handshake + 5 echoes), 5 bytes each way", st)
	}
	t.Logf("round trips through a %s relay: %v", rtt, trips)
}

func sum(ds []time.Duration) time.Duration {
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s
}

// TestRelayBytesIntact passes a few megabytes both ways, with half-close.
func TestRelayBytesIntact(t *testing.T) {
	addr, _, done := startTestRelay(t, echoServer(t), 4*time.Millisecond)
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		c.Write(data)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("relayed %d bytes, want the %d sent, intact", len(got), len(data))
	}
	if st := <-done; st.Up != int64(len(data)) || st.Down != int64(len(data)) {
		t.Errorf("relay counted %+v", st)
	}
}

// TestRelayCloseCleansUp closes a relay with connections in flight: its
// listener is gone, the connections end, and so do all its goroutines.
func TestRelayCloseCleansUp(t *testing.T) {
	echo := echoServer(t)
	before := runtime.NumGoroutine()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{RTT: 20 * time.Millisecond, Target: func(net.Conn) (string, error) { return echo, nil }}
	served := make(chan error, 1)
	go func() { served <- r.Serve(ln) }()
	var conns []net.Conn
	for i := 0; i < 4; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("in flight"))
		conns = append(conns, c)
	}
	time.Sleep(50 * time.Millisecond)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after Close: %v", err)
	}
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.ReadAll(c); err != nil {
			t.Errorf("a relayed connection did not end on Close: %v", err)
		}
		c.Close()
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("the relay still listens after Close")
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before the relay started", n, before)
	}
}

func TestRelayLogLine(t *testing.T) {
	in := RelayConn{Target: "198.51.100.1:22", Turns: 12, Up: 300, Down: 4000, Elapsed: 1234 * time.Millisecond}
	got, ok := parseRelayConn(formatRelayConn(in))
	if !ok || got != in {
		t.Errorf("parse(format(%+v)) = %+v, %v", in, got, ok)
	}
}

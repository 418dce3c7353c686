package lab

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/internal/testkit"
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

// TestLabRTT puts a relay into a real lab: SSH's banner arrives 1.5 round
// trips after connect (handshake, then half a round trip), OpenSSH logs in
// through it, rtt 0 takes it out, and Down leaves no relay behind.
func TestLabRTT(t *testing.T) {
	requireRoot(t)
	if _, err := exec.LookPath("nft"); err != nil {
		testkit.Skip(t, "needs nft")
	}
	t.Parallel()
	st, dir := upLab(t, []Server{{Name: "r1", Address: "198.51.100.1"}, {Name: "r2", Address: "198.51.100.2"}})
	const rtt = 80 * time.Millisecond
	if err := SetRTT(dir, rtt, nil); err != nil {
		t.Fatal(err)
	}
	if got := bannerTime(t, st, "r2"); got < rtt*3/2 || got > 10*rtt {
		t.Errorf("banner through a %s relay after %s, want about 1.5 x", rtt, got)
	}
	start := time.Now()
	mustSSH(t, st, "r1", "true")
	took := time.Since(start)
	ssh := relayedTo(t, dir, "198.51.100.1:22")
	if ssh == nil || ssh.Turns < 5 || took < time.Duration(ssh.Turns)*rtt {
		t.Errorf("ssh true took %s; relay saw %+v", took, ssh)
	} else {
		t.Logf("OpenSSH `ssh r1 true` through a %s relay: %s, %d round trips", rtt, took, ssh.Turns)
	}
	if st2, _ := readState(filepath.Join(dir, stateFile)); st2 == nil || st2.RTT != rtt.String() {
		t.Errorf("state.json rtt = %+v", st2)
	}
	if err := SetRTT(dir, 0, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := RelayConns(dir)
	bannerTime(t, st, "r2")
	time.Sleep(100 * time.Millisecond)
	if after, _ := RelayConns(dir); len(after) != len(before) {
		t.Errorf("relayed after rtt 0: %+v", after[len(before):])
	}
	if pids := relayPIDs(st.Netns); len(pids) != 0 {
		t.Errorf("relay still runs after rtt 0: %v", pids)
	}
	if err := SetRTT(dir, rtt, nil); err != nil {
		t.Fatal(err)
	}
	pids := relayPIDs(st.Netns)
	if len(pids) != 1 {
		t.Fatalf("relay processes %v, want one", pids)
	}
	if err := Down(dir, nil); err != nil {
		t.Fatal(err)
	}
	assertGone(t, dir, pids)
}

// relayedTo returns the last connection the lab's relay log shows to
// target, waiting up to 2 s for one.
func relayedTo(t *testing.T, dir, target string) *RelayConn {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		conns, err := RelayConns(dir)
		if err != nil {
			t.Fatal(err)
		}
		var last *RelayConn
		for i := range conns {
			if conns[i].Target == target {
				last = &conns[i]
			}
		}
		if last != nil || time.Now().After(deadline) {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bannerTime is how long after connect a host's SSH banner arrives.
func bannerTime(t *testing.T, st *State, host string) time.Duration {
	t.Helper()
	h, _ := st.Host(host)
	start := time.Now()
	c, err := st.Dial(context.Background(), "tcp", h.SSHAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "SSH-2.0-") {
		t.Fatalf("banner of %s: %q %v", host, line, err)
	}
	return time.Since(start)
}

package network

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host/hosttest"
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// TestWGPeerCrossedHandshake makes the first handshakes of a pair cross, as
// they did in fresh L2 VPN meshes: A knows B and has sent its initiation; B
// learns of A and sends its own before A's reached it. A relay between the
// two holds the initiations until both are sent and the answers until both
// are sent, so each side answers the other's initiation and refuses the
// answer to its own. Without initiator, nothing more happens until
// WireGuard's 5 s rekey timeout; with it, B's Apply starts a fresh
// handshake, which completes at once.
func TestWGPeerCrossedHandshake(t *testing.T) {
	a, b := wgPair(t, "wgx", "h2w", 51841)
	relay := newCrossingRelay(t, a.port, b.port)

	// Control: the crossing stalls the pair without the re-arm.
	pa, pb := peerOf(a, b, relay, false), peerOf(b, a, relay, false)
	applyPeer(t, pa)
	applyPeer(t, pb)
	if handshakeWithin(t, b.name, a.key, 1500*time.Millisecond) {
		t.Fatal("the first handshakes did not cross (the relay's test is void): B has a handshake with A")
	}
	if !relay.crossed() {
		t.Fatal("the relay saw no crossing")
	}
	for _, p := range []core.Resource{pa, pb} {
		if err := (wgpeerKind{}).Delete(p, nil); err != nil {
			t.Fatal(err)
		}
	}

	// B initiates: its Apply sees no handshake and starts a fresh one.
	relay.reset()
	applyPeer(t, peerOf(a, b, relay, false))
	start := time.Now()
	applyPeer(t, peerOf(b, a, relay, true))
	if !handshakeWithin(t, b.name, a.key, 3*time.Second) {
		t.Fatalf("B has no handshake with A %s after adding it (a crossed handshake waits for the 5 s rekey timeout)", time.Since(start).Round(time.Millisecond))
	}
	if !relay.crossed() {
		t.Fatal("the relay saw no crossing")
	}
	if took := time.Since(start); took > firstHandshakeWait+time.Second {
		t.Errorf("the handshake took %s, want about %s (one wait and a round trip)", took, firstHandshakeWait)
	}
}

// wgPair enters a throwaway namespace (ns) and makes two WireGuard
// interfaces there with the wireguard kind, PREFIX"a"PID and PREFIX"b"PID,
// listening on port and port+1; both go when the test ends.
func wgPair(t *testing.T, ns, prefix string, port int) (a, b testDev) {
	t.Helper()
	hosttest.EnterNetns(t, ns)
	hadSockDir := exists(wireguardSockDir)
	dir := t.TempDir()
	wg := wireguardKind{keyDir: dir + "/keys", logDir: dir + "/log"}
	t.Cleanup(func() { // after the interfaces went (cleanups run last first)
		if !hadSockDir {
			os.Remove(wireguardSockDir) // wireguard-go made it; empty again
		}
	})
	pid := os.Getpid()
	a = wgDev(t, wg, fmt.Sprintf("%sa%d", prefix, pid), port)
	b = wgDev(t, wg, fmt.Sprintf("%sb%d", prefix, pid), port+1)
	return a, b
}

// TestWGPeerAnsweredInitiation makes the first handshakes cross the other
// way, as they did under load in the L2 VPN suite: B, adding A, receives
// A's initiation (sent when A added B, and late) after sending its own, and
// answers it; A takes the answer, and only then B's initiation. B's
// handshake completes, as the responder. In wireguard-go, when A's two
// handshake workers take B's answer and B's initiation at the same time,
// A can end with a session whose index it already dropped: A's packets
// reach B, B's never reach A, until A's 15 s keepalive timeout. So B's
// Apply, having received an initiation from A, starts a fresh handshake
// (the relay sees B's second initiation), which it completes as the
// initiator.
func TestWGPeerAnsweredInitiation(t *testing.T) {
	a, b := wgPair(t, "wga", "h2a", 51845)
	relay := newCrossingRelay(t, a.port, b.port)
	relay.answerFirst = true
	applyPeer(t, peerOf(a, b, relay, false))
	applyPeer(t, peerOf(b, a, relay, true))
	if !relay.crossed() {
		t.Fatal("B's initiation was never delivered: the relay's test is void")
	}
	// The fresh initiation leaves B's wireguard-go after Apply returned.
	if !waitFor(func() bool { return relay.initiationsFrom(1) >= 2 }, time.Second) {
		t.Fatalf("B sent %d initiation(s): its Apply did not start a fresh handshake after answering A's", relay.initiationsFrom(1))
	}
	if !handshakeWithin(t, b.name, a.key, 2*time.Second) || !handshakeWithin(t, a.name, b.key, 2*time.Second) {
		t.Fatal("the fresh handshake did not complete")
	}
}

// testDev is a WireGuard interface made by the wireguard kind.
type testDev struct {
	name string
	port int
	key  string // public
}

func wgDev(t *testing.T, wg wireguardKind, name string, port int) testDev {
	t.Helper()
	r := wg.Defaults(hosttest.Res("wireguard", name, map[string]string{"listen_port": strconv.Itoa(port)}))
	if _, err := wg.Apply(r, false, nil); err != nil {
		if strings.Contains(err.Error(), "wireguard-go is not installed") {
			testkit.Skip(t, "needs WireGuard (the kernel's, or wireguard-go):", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := wg.Delete(r, nil); err != nil {
			t.Errorf("delete %s: %v", name, err)
		}
	})
	return testDev{name: name, port: port, key: wg.Outputs(r, nil)["public_key"]}
}

// peerOf is on's peer entry for other, through the relay.
func peerOf(on, other testDev, relay *crossingRelay, initiator bool) core.Resource {
	attrs := map[string]string{
		"dev": on.name, "public_key": other.key, "allowed_ips": "100.64.99.1/32",
		"endpoint": relay.addr(), "keepalive": "25",
	}
	if initiator {
		attrs["initiator"] = "true"
	}
	return wgpeerKind{}.Defaults(hosttest.Res("wgpeer", on.name+"/"+other.name, attrs))
}

func applyPeer(t *testing.T, r core.Resource) {
	t.Helper()
	if _, err := (wgpeerKind{}).Apply(r, false, nil); err != nil {
		t.Fatal(err)
	}
}

func handshakeWithin(t *testing.T, dev, key string, wait time.Duration) bool {
	t.Helper()
	c, err := wgctrl.New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k, err := wgtypes.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return handshaken(c, dev, k, wait) != nil
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// crossingRelay forwards UDP between two WireGuard ports on 127.0.0.1 (each
// side's endpoint for the other is the relay). Until reset again it makes
// the first handshake cross: it holds the initiations until it has one from
// each side, then the responses until it has one from each side, and then
// passes everything through.
//
// With answerFirst it makes them cross the other way (see
// TestWGPeerAnsweredInitiation): of the two initiations it delivers only
// A's, and B's once A's first data packet (its keepalive under the session
// A's initiation made) has passed to B.
type crossingRelay struct {
	conn        *net.UDPConn
	ports       [2]int
	answerFirst bool
	mu          sync.Mutex
	held        [2][]byte // by sender
	stage       int       // 0 holding initiations, 1 holding responses, 2 passing, 3 passing until B's initiation is due
	passed      bool      // the handshakes crossed
	initiations [2]int    // by sender
}

func newCrossingRelay(t *testing.T, portA, portB int) *crossingRelay {
	t.Helper()
	// Made on the test's thread, so in its namespace; read anywhere.
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &crossingRelay{conn: conn, ports: [2]int{portA, portB}}
	done := make(chan struct{})
	go func() { defer close(done); r.run() }()
	t.Cleanup(func() { conn.Close(); <-done })
	return r
}

func (r *crossingRelay) addr() string { return r.conn.LocalAddr().String() }

func (r *crossingRelay) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held, r.stage, r.passed, r.initiations = [2][]byte{}, 0, false, [2]int{}
}

// initiationsFrom counts the handshake initiations side sent since reset.
func (r *crossingRelay) initiationsFrom(side int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.initiations[side]
}

func (r *crossingRelay) crossed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.passed
}

func (r *crossingRelay) run() {
	buf := make([]byte, 65536)
	for {
		n, from, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		side := -1
		for i, p := range r.ports {
			if from.Port == p {
				side = i
			}
		}
		if side < 0 || n == 0 {
			continue
		}
		for _, out := range r.route(side, append([]byte(nil), buf[:n]...)) {
			r.conn.WriteToUDP(out.data, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: r.ports[out.to]})
		}
	}
}

type relayed struct {
	to   int
	data []byte
}

// route decides what a packet from side releases (WireGuard's first byte
// is the message type: 1 initiation, 2 response).
func (r *crossingRelay) route(side int, pkt []byte) []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pkt[0] == 1 {
		r.initiations[side]++
	}
	if r.stage == 3 {
		out := []relayed{{to: 1 - side, data: pkt}}
		if side == 0 && pkt[0] == 4 { // A's first data: now B's initiation
			out = append(out, relayed{to: 0, data: r.held[1]})
			r.held, r.stage, r.passed = [2][]byte{}, 2, true
		}
		return out
	}
	want := byte(r.stage + 1)
	if r.stage == 2 || pkt[0] != want {
		if r.stage == 2 {
			return []relayed{{to: 1 - side, data: pkt}}
		}
		return nil // nothing else crosses before the handshakes did
	}
	r.held[side] = pkt
	if r.held[0] == nil || r.held[1] == nil {
		return nil
	}
	if r.answerFirst {
		r.stage = 3
		return []relayed{{to: 1, data: r.held[0]}}
	}
	out := []relayed{{to: 1, data: r.held[0]}, {to: 0, data: r.held[1]}}
	r.held = [2][]byte{}
	r.stage++
	r.passed = r.stage == 2
	return out
}

// TestWGPeerFor finds the peer whose allowed IPs hold an address, as a
// failed ping check names it; none for an address no peer holds, and an
// error for an interface that is not WireGuard's.
func TestWGPeerFor(t *testing.T) {
	a, b := wgPair(t, "wgf", "h2f", 51843)
	applyPeer(t, wgpeerKind{}.Defaults(hosttest.Res("wgpeer", a.name+"/b", map[string]string{
		"dev": a.name, "public_key": b.key, "allowed_ips": "100.64.99.0/30,100.64.98.7/32", "keepalive": "0",
	})))
	p, err := wgpeerKind{}.PeerFor(a.name, net.ParseIP("100.64.99.2"))
	if err != nil || p == nil || p.PublicKey.String() != b.key {
		t.Fatalf("PeerFor(%s, 100.64.99.2) = %v, %v; want the peer %s", a.name, p, err, b.key)
	}
	if p, err := (wgpeerKind{}).PeerFor(a.name, net.ParseIP("100.64.99.4")); err != nil || p != nil {
		t.Errorf("PeerFor(%s, 100.64.99.4) = %v, %v; want no peer", a.name, p, err)
	}
	if _, err := (wgpeerKind{}).PeerFor("lo", net.ParseIP("100.64.99.2")); err == nil {
		t.Error("PeerFor(lo) found a WireGuard interface")
	}
}

// TestSocketAnswers tells a live control socket from one left behind: a
// socket file whose listener is gone refuses connections, as the socket of
// a wireguard-go that ended with its interface does until the next one
// replaces it.
func TestSocketAnswers(t *testing.T) {
	path := t.TempDir() + "/wg.sock"
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if !socketAnswers(path) {
		t.Fatal("a listening socket does not answer")
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if !exists(path) {
		t.Fatal("the test's stale socket file is gone")
	}
	if socketAnswers(path) {
		t.Error("a socket file without a listener answers")
	}
	if socketAnswers(path + ".missing") {
		t.Error("a missing socket answers")
	}
}

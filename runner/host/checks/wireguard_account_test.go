package checks

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// fakeWGPeers answers PeerFor for one interface with one peer.
type fakeWGPeers struct {
	host.Kind // the rest is never called
	dev       string
	peer      *wgtypes.Peer
}

func (f fakeWGPeers) Peer(string, string) (*wgtypes.Peer, error) { return f.peer, nil }

func (f fakeWGPeers) PeerFor(dev string, _ net.IP) (*wgtypes.Peer, error) {
	if dev != f.dev {
		return nil, &net.OpError{Op: "wgctrl", Err: net.UnknownNetworkError(dev)}
	}
	return f.peer, nil
}

// TestWireguardAccount names the peer a failed ping went to by its wgpeer
// resource, with its handshake, endpoint and bytes; says so when no peer
// holds the address; and adds nothing when the route is not WireGuard's.
func TestWireguardAccount(t *testing.T) {
	key, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := key.PublicKey()
	now := time.Now()
	peer := &wgtypes.Peer{PublicKey: pub, LastHandshakeTime: now.Add(-2500 * time.Millisecond),
		Endpoint: &net.UDPAddr{IP: net.ParseIP("198.51.100.2"), Port: 51821}, ReceiveBytes: 92, TransmitBytes: 1480}
	m := &host.Manifest{Entries: []host.ManifestEntry{
		{Resource: core.Resource{Kind: "wgpeer", Name: "peer0/s2"}, Saved: map[string]string{"public_key": pub.String()}},
	}}
	lo := net.ParseIP("127.0.0.1") // routed through lo, which the fake calls WireGuard's
	got := wireguardAccount(host.Kinds{"wgpeer": fakeWGPeers{dev: "lo", peer: peer}}, m, lo, "", now)
	want := "WireGuard lo peer peer0/s2: last handshake 2.5s ago, endpoint 198.51.100.2:51821, 92 B received, 1480 B sent"
	if got != want {
		t.Errorf("account:\n got %q\nwant %q", got, want)
	}

	fresh := &wgtypes.Peer{PublicKey: pub}
	got = wireguardAccount(host.Kinds{"wgpeer": fakeWGPeers{dev: "lo", peer: fresh}}, nil, lo, "", now)
	if want := "WireGuard lo peer " + pub.String() + ": no handshake yet, no endpoint, 0 B received, 0 B sent"; got != want {
		t.Errorf("account of a peer that never shook hands:\n got %q\nwant %q", got, want)
	}

	got = wireguardAccount(host.Kinds{"wgpeer": fakeWGPeers{dev: "lo"}}, m, lo, "", now)
	if !strings.Contains(got, "has no peer whose allowed IPs hold 127.0.0.1") {
		t.Errorf("account without a peer: %q", got)
	}
	if got := wireguardAccount(host.Kinds{"wgpeer": fakeWGPeers{dev: "wg0", peer: peer}}, m, lo, "", now); got != "" {
		t.Errorf("a route not through WireGuard got an account: %q", got)
	}
	if got := wireguardAccount(host.Kinds{"wgpeer": fakeWGPeers{dev: "wg0", peer: peer}}, m, lo, "wg0", now); !strings.HasPrefix(got, "WireGuard wg0 peer peer0/s2: ") {
		t.Errorf("a ping through wg0 by name got %q", got)
	}
	if got := wireguardAccount(host.Kinds{}, m, lo, "", now); got != "" {
		t.Errorf("no wgpeer kind got an account: %q", got)
	}
}

package checks

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// pingAccounted is the ping check (checkPing) that, when it fails and dst
// is routed through a WireGuard interface, adds what WireGuard knows of
// the way there (wireguardAccount): the operator reads at once whether the
// peer never answered a handshake, answered long ago, or is missing.
func pingAccounted(kinds host.Kinds, m *host.Manifest, c core.Check) (bool, string) {
	ok, detail := checkPing(c.Attrs)
	if ok {
		return ok, detail
	}
	if ip := net.ParseIP(c.Attrs["dst"]).To4(); ip != nil {
		if account := wireguardAccount(kinds, m, ip, c.Attrs["iface"], time.Now()); account != "" {
			detail += "; " + account
		}
	}
	return false, detail
}

// wireguardAccount describes the WireGuard peer that traffic to ip goes to
// when it leaves by a WireGuard interface (iface when the ping named one,
// else the route's), "" otherwise.
func wireguardAccount(kinds host.Kinds, m *host.Manifest, ip net.IP, iface string, now time.Time) string {
	peers, ok := kinds["wgpeer"].(wgPeers)
	if !ok {
		return ""
	}
	dev := iface
	if dev == "" {
		_, link, err := routeOut(ip) // check_ping.go
		if err != nil {
			return ""
		}
		dev = link.Attrs().Name
	}
	p, err := peers.PeerFor(dev, ip)
	if err != nil {
		return "" // not a WireGuard interface
	}
	if p == nil {
		return fmt.Sprintf("WireGuard interface %s has no peer whose allowed IPs hold %s", dev, ip)
	}
	return fmt.Sprintf("WireGuard %s peer %s: %s", dev, peerName(m, p.PublicKey), peerState(p, now))
}

// peerName names a WireGuard peer as its wgpeer resource does
// ("IFACE/SERVER"), else by its public key.
func peerName(m *host.Manifest, key wgtypes.Key) string {
	k := key.String()
	if m != nil {
		for _, e := range m.Entries {
			if e.Resource.Kind == "wgpeer" && e.Saved["public_key"] == k {
				return e.Resource.Name
			}
		}
	}
	return k
}

// peerState is a peer's last handshake, endpoint and byte counts.
func peerState(p *wgtypes.Peer, now time.Time) string {
	var s strings.Builder
	if p.LastHandshakeTime.IsZero() {
		s.WriteString("no handshake yet")
	} else {
		fmt.Fprintf(&s, "last handshake %s ago", now.Sub(p.LastHandshakeTime).Round(time.Millisecond))
	}
	if p.Endpoint != nil {
		fmt.Fprintf(&s, ", endpoint %s", p.Endpoint)
	} else {
		s.WriteString(", no endpoint")
	}
	fmt.Fprintf(&s, ", %d B received, %d B sent", p.ReceiveBytes, p.TransmitBytes)
	return s.String()
}

package checks

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// checkBGP waits until bird (control socket attrs socket) has every BGP
// protocol named in attrs peers (comma-separated) Established and every
// prefix in attrs routes (comma-separated) installed in the kernel's main
// table, for at most timeout_ms (default 20000). With report = "true" it
// only reports: the detail is birdc's protocols and routes.
func checkBGP(attrs map[string]string) (bool, string) {
	sock := attrs["socket"]
	if attrs["report"] == "true" {
		return bgpReport(sock)
	}
	timeout := 20 * time.Second
	if ms, err := strconv.Atoi(attrs["timeout_ms"]); err == nil {
		timeout = time.Duration(ms) * time.Millisecond
	}
	peers, routes := host.SplitList(attrs["peers"]), host.SplitList(attrs["routes"])
	deadline := time.Now().Add(timeout)
	for {
		missing, detail := bgpMissing(sock, peers, routes)
		if len(missing) == 0 {
			return true, detail
		}
		if time.Now().After(deadline) {
			return false, fmt.Sprintf("after %s: %s", timeout, strings.Join(missing, "; "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// bgpMissing lists the sessions not established and the routes not in the
// kernel.
func bgpMissing(sock string, peers, routes []string) ([]string, string) {
	states, err := birdProtocols(sock)
	if err != nil {
		return []string{err.Error()}, ""
	}
	var missing []string
	for _, p := range peers {
		if st := states[p]; st != "Established" {
			if st == "" {
				st = "not configured"
			}
			missing = append(missing, fmt.Sprintf("session %s is %s", p, st))
		}
	}
	for _, r := range routes {
		if !kernelHasRoute(r) {
			missing = append(missing, "no kernel route to "+r)
		}
	}
	return missing, fmt.Sprintf("%d sessions Established, %d routes installed", len(peers), len(routes))
}

// birdProtocols maps each protocol of `birdc show protocols` to its state:
// the Info column for BGP ("Established", "Active", ...), else the State.
func birdProtocols(sock string) (map[string]string, error) {
	out, err := host.RunCommand("", "birdc", "-s", sock, "show", "protocols")
	if err != nil {
		return nil, err
	}
	states := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] == "Name" || f[0] == "BIRD" {
			continue
		}
		states[f[0]] = f[3]
		if f[1] == "BGP" && len(f) >= 6 {
			states[f[0]] = f[5]
		}
	}
	return states, nil
}

func kernelHasRoute(prefix string) bool {
	_, dst, err := net.ParseCIDR(prefix)
	if err != nil {
		return false
	}
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Dst: dst}, netlink.RT_FILTER_DST)
	return err == nil && len(routes) > 0
}

func bgpReport(sock string) (bool, string) {
	protos, err := host.RunCommand("", "birdc", "-s", sock, "show", "protocols")
	if err != nil {
		return false, err.Error()
	}
	routes, err := host.RunCommand("", "birdc", "-s", sock, "show", "route")
	if err != nil {
		return false, err.Error()
	}
	return true, protos + "\x00" + routes
}

// wgPeers is the wgpeer kind's view of a WireGuard interface's peers
// (network.wgpeerKind).
type wgPeers interface {
	Peer(dev, publicKey string) (*wgtypes.Peer, error)
	PeerFor(dev string, ip net.IP) (*wgtypes.Peer, error)
}

// checkWireGuard waits until the WireGuard interface attrs dev has had a
// handshake with the peer named attrs peer (a wgpeer resource name) in
// the last 3 minutes, for at most timeout_ms (default 10000).
func checkWireGuard(kinds host.Kinds, m *host.Manifest, c core.Check) (bool, string) {
	attrs := c.Attrs
	peers, ok := kinds["wgpeer"].(wgPeers)
	if !ok {
		return false, "no wgpeer kind"
	}
	dev, name := attrs["dev"], attrs["peer"]
	e, ok := m.Find("wgpeer/" + name)
	if !ok {
		return false, fmt.Sprintf("peer %s was never configured on %s", name, dev)
	}
	timeout := 10 * time.Second
	if ms, err := strconv.Atoi(attrs["timeout_ms"]); err == nil {
		timeout = time.Duration(ms) * time.Millisecond
	}
	deadline := time.Now().Add(timeout)
	for {
		p, err := peers.Peer(dev, e.Saved["public_key"])
		if err != nil {
			return false, fmt.Sprintf("WireGuard interface %s: %v", dev, err)
		}
		if p != nil && !p.LastHandshakeTime.IsZero() {
			if age := time.Since(p.LastHandshakeTime); age < 3*time.Minute {
				return true, fmt.Sprintf("handshake with %s %s ago (rx %d B, tx %d B)", name, age.Round(time.Millisecond), p.ReceiveBytes, p.TransmitBytes)
			}
		}
		if time.Now().After(deadline) {
			return false, fmt.Sprintf("no handshake with %s on %s within %s", name, dev, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

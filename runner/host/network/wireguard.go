package network

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// wireguardKind manages a WireGuard interface and its key pair. The
// private key is made on the host at the first apply, kept in
// KEYDIR/NAME.key (0600) and never leaves the host; the public key is an
// output other hosts' peers refer to. The interface is a kernel device
// where the kernel can make one, else a userspace wireguard-go process;
// wgctrl configures both.
//
// Name: the interface name. Attributes:
//   - listen_port: UDP port
//   - mtu: default "1420"
//   - up: "true" (always)
//   - rotation: a counter; when it changes the host makes a new key pair
//     (explicit key rotation), otherwise the key is kept across applies
//   - implementation: "kernel" or "wireguard-go" (userspace), what the
//     host's kernel allows (optional, replace): plan says which runs
//
// Outputs: public_key, rotation. Peers are wgpeer resources.
type wireguardKind struct {
	keyDir string // default /var/lib/drover/wireguard
	logDir string // wireguard-go logs
}

const wireguardSockDir = "/var/run/wireguard"

func newWireguardKind(env host.Env) wireguardKind {
	return wireguardKind{keyDir: "/var/lib/drover/wireguard", logDir: env.LogDir}
}

func (wireguardKind) ReplaceOn() []string { return []string{"implementation"} }

func (wireguardKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "mtu", "1420")
	host.SetDefault(r.Attrs, "rotation", "0")
	r.Attrs["up"] = "true"
	return r
}

func (k wireguardKind) keyPath(name string) string { return filepath.Join(k.keyDir, name+".key") }

func (k wireguardKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	link, err := netlink.LinkByName(r.Name)
	if err != nil {
		if isLinkNotFound(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	dev, err := wgDevice(r.Name)
	if err != nil {
		return nil, false, fmt.Errorf("interface %s exists but is not a WireGuard device drover can configure: %w", r.Name, err)
	}
	actual := map[string]string{
		"listen_port":    strconv.Itoa(dev.ListenPort),
		"mtu":            strconv.Itoa(link.Attrs().MTU),
		"up":             strconv.FormatBool(link.Attrs().Flags&net.FlagUp != 0),
		"rotation":       saved["rotation"],
		"implementation": "kernel",
	}
	if _, err := os.Stat(wgSocket(r.Name)); err == nil {
		actual["implementation"] = "wireguard-go"
	}
	if key, err := k.readKey(r.Name); err != nil || key != dev.PrivateKey {
		actual["rotation"] = "(key not applied)"
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func (k wireguardKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
	port, err := strconv.Atoi(r.Attrs["listen_port"])
	if err != nil {
		return nil, fmt.Errorf("listen_port %q is not a number", r.Attrs["listen_port"])
	}
	mtu, err := strconv.Atoi(r.Attrs["mtu"])
	if err != nil {
		return nil, fmt.Errorf("mtu %q is not a number", r.Attrs["mtu"])
	}
	rotate := saved != nil && saved["rotation"] != r.Attrs["rotation"]
	key, err := k.ensureKey(r.Name, rotate)
	if err != nil {
		return nil, err
	}
	mode, err := k.ensureDevice(r.Name)
	if err != nil {
		return nil, err
	}
	if err := wgConfigure(r.Name, wgtypes.Config{PrivateKey: &key, ListenPort: &port}); err != nil {
		return nil, err
	}
	link, err := netlink.LinkByName(r.Name)
	if err != nil {
		return nil, err
	}
	if link.Attrs().MTU != mtu {
		if err := netlink.LinkSetMTU(link, mtu); err != nil {
			return nil, fmt.Errorf("set mtu %d on %s: %w", mtu, r.Name, err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return nil, fmt.Errorf("set %s up: %w", r.Name, err)
	}
	return map[string]string{"rotation": r.Attrs["rotation"], "mode": mode, "public_key": key.PublicKey().String()}, nil
}

func (k wireguardKind) Delete(r core.Resource, saved map[string]string) error {
	link, err := netlink.LinkByName(r.Name)
	switch {
	case err == nil:
		if err := netlink.LinkDel(link); err != nil {
			return fmt.Errorf("delete %s: %w", r.Name, err)
		}
	case !isLinkNotFound(err):
		return err
	}
	// wireguard-go ends when its interface goes; wait for its socket.
	waitFor(func() bool { _, err := os.Stat(wgSocket(r.Name)); return err != nil }, 3*time.Second)
	if err := safefs.Remove(k.keyPath(r.Name)); err != nil {
		return err
	}
	safefs.Remove(k.keyDir) // when it holds no other key
	return nil
}

// Outputs exposes the public key (derived from the key file, so that it is
// right even when the key was rotated by hand) and the rotation counter.
func (k wireguardKind) Outputs(r core.Resource, saved map[string]string) map[string]string {
	key, err := k.readKey(r.Name)
	if err != nil {
		return nil
	}
	return map[string]string{"public_key": key.PublicKey().String(), "rotation": saved["rotation"]}
}

func (k wireguardKind) readKey(name string) (wgtypes.Key, error) {
	data, err := host.ReadFile(k.keyPath(name))
	if err != nil {
		return wgtypes.Key{}, err
	}
	return wgtypes.ParseKey(strings.TrimSpace(string(data)))
}

// ensureKey returns the interface's private key, making a new one when
// there is none yet or rotate is set.
func (k wireguardKind) ensureKey(name string, rotate bool) (wgtypes.Key, error) {
	if !rotate {
		if key, err := k.readKey(name); err == nil {
			return key, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return wgtypes.Key{}, fmt.Errorf("private key %s: %w", k.keyPath(name), err)
		}
	}
	key, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		return key, err
	}
	if err := host.Mkdirs(k.keyDir, 0o700); err != nil {
		return key, err
	}
	if err := host.WriteFileAtomic(k.keyPath(name), []byte(key.String()+"\n"), host.RootFile(0o600)); err != nil {
		return key, fmt.Errorf("private key %s: %w", k.keyPath(name), err)
	}
	return key, nil
}

// ensureDevice makes the interface when it is missing: a kernel device,
// or wireguard-go when the kernel has no WireGuard. It returns the mode.
func (k wireguardKind) ensureDevice(name string) (string, error) {
	if _, err := netlink.LinkByName(name); err == nil {
		if _, err := os.Stat(wgSocket(name)); err == nil {
			return "userspace", nil
		}
		return "kernel", nil
	}
	err := netlink.LinkAdd(&netlink.Wireguard{LinkAttrs: netlink.LinkAttrs{Name: name}})
	if err == nil {
		return "kernel", nil
	}
	if !errors.Is(err, syscall.EOPNOTSUPP) && !strings.Contains(err.Error(), "not supported") {
		return "", fmt.Errorf("create WireGuard interface %s: %w", name, err)
	}
	return "userspace", k.startUserspace(name)
}

// startUserspace starts wireguard-go for name in its own session and waits
// until its interface exists and its control socket answers.
func (k wireguardKind) startUserspace(name string) error {
	prog, err := exec.LookPath("wireguard-go")
	if err != nil {
		return fmt.Errorf("the kernel has no WireGuard and wireguard-go is not installed (install the wireguard-go package): %w", err)
	}
	if err := host.Mkdirs(k.logDir, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(k.logDir, "wireguard-go-"+name+".log")
	logFile, err := safefs.OpenFile(logPath, unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(prog, name)
	cmd.Env = append(os.Environ(), "WG_PROCESS_FOREGROUND=1")
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start wireguard-go %s: %w", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, linkErr := netlink.LinkByName(name)
		if linkErr == nil && socketAnswers(wgSocket(name)) {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("wireguard-go %s exited (%v): %s", name, err, host.LogTail(logPath))
		case <-time.After(host.PollInterval):
		}
	}
	syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	return fmt.Errorf("wireguard-go %s did not make its interface within 10s: %s", name, host.LogTail(logPath))
}

func wgSocket(name string) string { return filepath.Join(wireguardSockDir, name+".sock") }

// socketAnswers reports whether a process accepts connections on the unix
// socket at path. A socket file alone is not enough: one left by the
// wireguard-go of an interface just deleted (apply right after destroy)
// refuses them until the new process has replaced it.
func socketAnswers(path string) bool {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func wgDevice(name string) (*wgtypes.Device, error) {
	c, err := wgctrl.New()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Device(name)
}

func wgConfigure(name string, cfg wgtypes.Config) error {
	c, err := wgctrl.New()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.ConfigureDevice(name, cfg); err != nil {
		return fmt.Errorf("configure WireGuard interface %s: %w", name, err)
	}
	return nil
}

func waitFor(cond func() bool, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(host.PollInterval)
	}
	return cond()
}

// wgpeerKind manages one peer of a WireGuard interface.
//
// Name: "IFACE/PEER" (PEER names the peer for people, usually its server).
// Attributes:
//   - dev: the WireGuard interface
//   - public_key: the peer's public key (often Unknown at plan time and
//     filled in through Resource.Refs)
//   - endpoint: "ADDRESS:PORT" to send to (optional; compared only when
//     set, since a peer without one roams)
//   - allowed_ips: comma-separated prefixes routed to the peer
//   - keepalive: persistent keepalive in seconds, "0" = off
//   - initiator: "true" when this side starts the pair's first handshake
//     and the peer already has this host as a peer (the expansion orders
//     it after the peer's entry). Not read back (it never diffs).
//
// Adding a peer with a keepalive sends a handshake initiation at once. When
// the peer sent one too before it saw this one, the two cross: each side
// answers the other's, each answer is refused (its sender is no longer
// waiting for it), and WireGuard tries again only after its 5 s rekey
// timeout, as it does when the peer did not know this host yet. So an
// initiator, on creating the peer, waits up to firstHandshakeWait for the
// handshake; when none completed it removes and re-adds the peer, which
// starts a fresh one (the peer, having just answered, does not initiate
// itself for 5 s, so they cannot cross again). They can also cross the
// other way: the peer's initiation, late, reaches this side after it sent
// its own, is answered, and makes the session while this side's is refused.
// In wireguard-go the peer can then hold a session under an index it has
// already dropped (its two handshake workers took this side's initiation
// and the answer to its own at once): its packets arrive, this side's never
// do, for 15 s. So when the first handshake came with an initiation from the
// peer (the peer's received bytes hold one: 148), the initiator also starts
// a fresh one, after WireGuard's 20 ms flood limit. Apply does not fail when
// the handshake does not come: verify's wireguard check says so.
type wgpeerKind struct{}

// firstHandshakeWait bounds how long an initiator's Apply waits for the
// first handshake before starting it again. A handshake takes one round
// trip between the hosts (~1 ms in the lab, up to 30 ms on a loaded
// machine, 20-150 ms across a WAN); a wait too short for a far peer costs
// one more round trip, not a failure (the peer answers the fresh
// initiation as it would have the first).
const firstHandshakeWait = 250 * time.Millisecond

func (wgpeerKind) ReplaceOn() []string { return []string{"dev"} }

func (wgpeerKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "keepalive", "0")
	r.Attrs["allowed_ips"] = canonicalPrefixes(r.Attrs["allowed_ips"])
	return r
}

func (wgpeerKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	dev, err := wgDevice(r.Attrs["dev"])
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("WireGuard interface %s: %w", r.Attrs["dev"], err)
	}
	p := findPeer(dev, r.Attrs["public_key"], saved["public_key"])
	if p == nil {
		return nil, false, nil
	}
	var ips []string
	for _, n := range p.AllowedIPs {
		ips = append(ips, n.String())
	}
	actual := map[string]string{
		"dev":         r.Attrs["dev"],
		"public_key":  p.PublicKey.String(),
		"allowed_ips": canonicalPrefixes(strings.Join(ips, ",")),
		"keepalive":   strconv.Itoa(int(p.PersistentKeepaliveInterval / time.Second)),
	}
	if r.Attrs["endpoint"] != "" {
		actual["endpoint"] = ""
		if p.Endpoint != nil {
			actual["endpoint"] = p.Endpoint.String()
		}
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

// findPeer finds the peer by its desired key, else by the key drover
// configured last time (the key changed: rotation).
func findPeer(dev *wgtypes.Device, keys ...string) *wgtypes.Peer {
	for _, k := range keys {
		key, err := wgtypes.ParseKey(k)
		if err != nil {
			continue
		}
		for i := range dev.Peers {
			if dev.Peers[i].PublicKey == key {
				return &dev.Peers[i]
			}
		}
	}
	return nil
}

func (wgpeerKind) Apply(r core.Resource, exists bool, saved map[string]string) (map[string]string, error) {
	key, err := wgtypes.ParseKey(r.Attrs["public_key"])
	if err != nil {
		return nil, fmt.Errorf("public_key %q: %w", r.Attrs["public_key"], err)
	}
	peer := wgtypes.PeerConfig{PublicKey: key, ReplaceAllowedIPs: true}
	if e := r.Attrs["endpoint"]; e != "" {
		if peer.Endpoint, err = net.ResolveUDPAddr("udp", e); err != nil {
			return nil, fmt.Errorf("endpoint %q: %w", e, err)
		}
	}
	ka, err := strconv.Atoi(r.Attrs["keepalive"])
	if err != nil {
		return nil, fmt.Errorf("keepalive %q is not a number", r.Attrs["keepalive"])
	}
	interval := time.Duration(ka) * time.Second
	peer.PersistentKeepaliveInterval = &interval
	for _, s := range host.SplitList(r.Attrs["allowed_ips"]) {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("allowed_ips: %w", err)
		}
		peer.AllowedIPs = append(peer.AllowedIPs, *n)
	}
	peers := []wgtypes.PeerConfig{}
	if old, err := wgtypes.ParseKey(saved["public_key"]); err == nil && old != key {
		peers = append(peers, wgtypes.PeerConfig{PublicKey: old, Remove: true})
	}
	peers = append(peers, peer)
	if err := wgConfigure(r.Attrs["dev"], wgtypes.Config{Peers: peers}); err != nil {
		return nil, err
	}
	if !exists && r.Attrs["initiator"] == "true" && peer.Endpoint != nil && interval > 0 {
		if err := firstHandshake(r.Attrs["dev"], peer, firstHandshakeWait); err != nil {
			return nil, err
		}
	}
	return map[string]string{"public_key": key.String()}, nil
}

// firstHandshake waits up to wait for the handshake that adding peer to dev
// started, and re-adds the peer to start a fresh one when none completed
// or when the peer's own initiation was received too (see wgpeerKind).
func firstHandshake(dev string, peer wgtypes.PeerConfig, wait time.Duration) error {
	c, err := wgctrl.New()
	if err != nil {
		return err
	}
	defer c.Close()
	if p := handshaken(c, dev, peer.PublicKey, wait); p != nil {
		if p.ReceiveBytes < wgInitiationSize {
			return nil // answered: our initiation made the session
		}
		// The peer's initiation came too and made the session. The peer
		// drops an initiation that follows the last it took within 20 ms
		// (WireGuard's flood limit, 50 a second): wait that out first.
		time.Sleep(wgFloodWait)
	}
	remove := wgtypes.PeerConfig{PublicKey: peer.PublicKey, Remove: true}
	for _, p := range []wgtypes.PeerConfig{remove, peer} {
		if err := c.ConfigureDevice(dev, wgtypes.Config{Peers: []wgtypes.PeerConfig{p}}); err != nil {
			return fmt.Errorf("configure WireGuard interface %s: re-adding peer %s for a fresh handshake: %w", dev, peer.PublicKey, err)
		}
	}
	return nil
}

// wgInitiationSize is the size of a WireGuard handshake initiation (148
// bytes; a response is 92, a keepalive 32). A peer's received bytes count
// the handshake messages that were accepted.
const wgInitiationSize = 148

// wgFloodWait outlasts WireGuard's flood limit on initiations from one peer
// (one per 20 ms), with room for a loaded machine.
const wgFloodWait = 60 * time.Millisecond

// handshaken polls dev until its peer key has completed a handshake, for
// at most wait, and returns the peer then (nil when none completed).
func handshaken(c *wgctrl.Client, dev string, key wgtypes.Key, wait time.Duration) *wgtypes.Peer {
	const every = 5 * time.Millisecond // a handshake in the lab takes ~1 ms
	deadline := time.Now().Add(wait)
	for {
		if d, err := c.Device(dev); err == nil {
			if p := findPeer(d, key.String()); p != nil && !p.LastHandshakeTime.IsZero() {
				return p
			}
		}
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(every)
	}
}

func (wgpeerKind) Delete(r core.Resource, saved map[string]string) error {
	key := saved["public_key"]
	if key == "" {
		key = r.Attrs["public_key"]
	}
	pk, err := wgtypes.ParseKey(key)
	if err != nil {
		return nil // never configured
	}
	dev, err := wgDevice(r.Attrs["dev"])
	if err != nil {
		return nil // the interface is gone, and its peers with it
	}
	if findPeer(dev, key) == nil {
		return nil
	}
	return wgConfigure(r.Attrs["dev"], wgtypes.Config{Peers: []wgtypes.PeerConfig{{PublicKey: pk, Remove: true}}})
}

// canonicalPrefixes sorts a comma-separated list of prefixes and writes
// each in canonical form, so that lists diff by meaning.
func canonicalPrefixes(s string) string {
	var out []string
	for _, p := range host.SplitList(s) {
		if _, n, err := net.ParseCIDR(p); err == nil {
			p = n.String()
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// Peer is the peer with publicKey on WireGuard interface dev as the kernel
// (or wireguard-go) reports it, nil when dev has no such peer: the
// "wireguard" check reads its last handshake.
func (wgpeerKind) Peer(dev, publicKey string) (*wgtypes.Peer, error) {
	d, err := wgDevice(dev)
	if err != nil {
		return nil, err
	}
	return findPeer(d, publicKey), nil
}

// PeerFor is the peer of WireGuard interface dev whose allowed IPs hold
// ip, nil when none does; an error when dev is not a WireGuard interface.
// A failed ping check names it, with its last handshake and byte counts.
func (wgpeerKind) PeerFor(dev string, ip net.IP) (*wgtypes.Peer, error) {
	d, err := wgDevice(dev)
	if err != nil {
		return nil, err
	}
	for i, p := range d.Peers {
		for _, n := range p.AllowedIPs {
			if n.Contains(ip) {
				return &d.Peers[i], nil
			}
		}
	}
	return nil, nil
}

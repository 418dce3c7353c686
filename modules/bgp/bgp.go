// Package bgp expands a `network "bgp"` declaration into host resources:
// on every member bird2 with a configuration (from templates/bird.conf.tmpl,
// checked with `bird -p`) that peers with every other member, announces
// the member's subnets (its container subnet by default) and installs what
// it learns in the kernel's table, plus IP forwarding. Verify checks wait
// for every session to be Established and every peer's subnets to be
// installed.
package bgp

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/templates"
)

// Paths of the one bird instance drover runs on a server.
const (
	ConfigPath = "/etc/drover/bird.conf"
	Socket     = "/run/drover-bird.ctl"
	Service    = "bird"
)

// Owner is the declaration name resources of n belong to.
func Owner(n *lang.Network) string { return "network." + n.Name }

// Peer is one member as the others see it.
type Peer struct {
	Server   string
	Protocol string // bird protocol name
	Address  string // peering address, host.Unknown when not known yet
	ASN      string
	Announce []string
}

// Peers resolves every member of n: peering address, ASN and announced
// subnets. facts[name] is nil when unknown (offline plans).
func Peers(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) ([]Peer, error) {
	b := n.Spec.(*Network)
	peers := make([]Peer, 0, len(b.Members))
	asns := map[string]string{}
	for _, m := range b.Members {
		s := c.Server(m.Server)
		if s == nil {
			return nil, fmt.Errorf("network %s: unknown server %q", n.Name, m.Server)
		}
		p := Peer{Server: s.Name, Protocol: ProtocolName(s.Name)}
		var err error
		if p.Address, err = peeringAddress(n, s, m, facts[s.Name]); err != nil {
			return nil, err
		}
		p.ASN = asn(b, s.Name, p.Address)
		if other, dup := asns[p.ASN]; dup && b.ASN == 0 && p.ASN != core.Unknown {
			return nil, fmt.Errorf("network %s: members %s and %s would both have AS %s (65000 + the last octet of their peering address): give one of them member %q { asn = ... }",
				n.Name, other, s.Name, p.ASN, s.Name)
		}
		asns[p.ASN] = s.Name
		if b.ContainerSubnets && s.Subnet != "" {
			p.Announce = append(p.Announce, s.Subnet)
		}
		p.Announce = append(p.Announce, b.Announce[s.Name]...)
		peers = append(peers, p)
	}
	return peers, nil
}

// ProtocolName is the bird protocol of the session with server.
func ProtocolName(server string) string {
	return "peer_" + strings.Map(func(r rune) rune {
		if r == '-' {
			return '_'
		}
		return r
	}, server)
}

func peeringAddress(n *lang.Network, s *lang.Server, m lang.Member, f *core.Facts) (string, error) {
	switch {
	case m.Address != "":
		return m.Address, nil
	case m.Interface == "" && !s.Local:
		return s.Address, nil
	case f == nil:
		return core.Unknown, nil
	}
	name := m.Interface
	if name == "" {
		name = f.DefaultIface
	}
	ifc, ok := f.Interface(name)
	if !ok {
		return "", fmt.Errorf("network %s: server %s has no interface %q", n.Name, s.Name, name)
	}
	for _, a := range ifc.Addrs {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() {
			return p.Addr().String(), nil
		}
	}
	return "", fmt.Errorf("network %s: interface %s of %s has no IPv4 address to peer from", n.Name, name, s.Name)
}

func asn(b *Network, server, address string) string {
	switch {
	case b.ASN != 0:
		return strconv.Itoa(b.ASN)
	case b.MemberASN[server] != 0:
		return strconv.Itoa(b.MemberASN[server])
	}
	a, err := netip.ParseAddr(address)
	if err != nil || !a.Is4() {
		return core.Unknown
	}
	return strconv.Itoa(DefaultASNBase + int(a.As4()[3]))
}

// Expand returns, per member server name, what the network wants there.
func Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return n.Spec.(*Network).Expand(n, c, facts)
}

// Expand returns, per member server name, what the network wants there.
// facts[name] is nil when unknown (offline plans).
func (b *Network) Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	peers, err := Peers(n, c, facts)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*blocks.Set, len(peers))
	for i := range peers {
		set, err := b.member(n, peers, i, facts[peers[i].Server])
		if err != nil {
			return nil, err
		}
		out[peers[i].Server] = set
	}
	return out, nil
}

func (b *Network) member(n *lang.Network, peers []Peer, i int, f *core.Facts) (*blocks.Set, error) {
	me := peers[i]
	set := &blocks.Set{Owner: Owner(n)}
	var others []Peer
	for j, p := range peers {
		if j != i {
			others = append(others, p)
		}
	}
	// By name, so that moving a member between servers and member
	// blocks does not rewrite the config.
	sort.Slice(others, func(a, b int) bool { return others[a].Server < others[b].Server })
	conf := core.Unknown
	if known(me) && allKnown(others) {
		var err error
		conf, err = templates.Render("bird.conf.tmpl", map[string]any{
			"Network": n.Name, "Server": me.Server, "RouterID": me.Address, "Address": me.Address, "ASN": me.ASN,
			"Announce": me.Announce, "Peers": others,
			"HoldTime": b.HoldTime, "KeepaliveTime": b.KeepaliveTime, "ConnectRetry": b.ConnectRetry,
		})
		if err != nil {
			return nil, err
		}
	}
	pkg := set.Add("package", "bird2", map[string]string{"name": "bird2"})
	fwd := blocks.Forwarding(set)
	file := set.Add("file", ConfigPath, map[string]string{
		"path": ConfigPath, "content": conf, "mode": "0644", "check": "bird -p -c {}",
	}, pkg)
	deps := []string{file, fwd}
	if off := blocks.SystemServiceOff(set, "bird", pkg, f); off != "" {
		deps = append(deps, off) // Debian's bird.service would hold bird's socket and port 179
	}
	set.Add("service", Service, map[string]string{
		"command":     "bird -f -c " + ConfigPath + " -s " + Socket,
		"reload":      "SIGHUP",
		"restart_key": blocks.Hash(conf),
	}, deps...)
	for _, p := range others {
		set.Check("bgp", fmt.Sprintf("%s has an Established BGP session with %s and its routes (%s)", me.Server, p.Server, strings.Join(p.Announce, ", ")),
			map[string]string{"socket": Socket, "peers": p.Protocol, "routes": strings.Join(p.Announce, ","), "timeout_ms": "20000"})
		set.Checks[len(set.Checks)-1].Peer = p.Server
	}
	return set, nil
}

func known(p Peer) bool { return p.Address != core.Unknown && p.ASN != core.Unknown }

func allKnown(peers []Peer) bool {
	for _, p := range peers {
		if !known(p) {
			return false
		}
	}
	return true
}

// Package wireguard expands a `network "wireguard"` declaration into host
// resources: on every member a WireGuard interface (key pair made on the
// host), its tunnel address, one peer per member it talks to (every other
// member in a mesh; the hub, or from the hub every client, in hub-and-spoke)
// and routes to the subnets the members share. A peer's public key comes
// from the peer host's facts when it exists; otherwise it is
// (known after apply) and the runner fills it in from the peer's output
// once the peer host made it (host.Resource.Refs).
package wireguard

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Owner is the declaration name resources of n belong to.
func Owner(n *lang.Network) string { return "network." + n.Name }

// Mesh describes one WireGuard interface on a set of servers: what the
// wireguard and l2vpn modules have in common.
type Mesh struct {
	Owner     string
	Interface string
	Subnet    netip.Prefix // tunnel subnet
	Port      int
	Keepalive int
	MTU       int
	Rotation  int
	Hub       string // "" = full mesh
	Members   []Member
}

// Member is one server of a Mesh.
type Member struct {
	Server   string
	Address  string   // tunnel address, no prefix
	Endpoint string   // "ADDRESS:PORT" peers dial; host.Unknown when not known
	Shared   []string // subnets behind this member, routed to it
}

// Expand returns, per member server name, what a wireguard network wants.
func Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	return n.Spec.(*Network).Expand(n, c, facts)
}

// Expand returns, per member server name, what the network wants there.
// facts[name] is nil for a host whose facts are not known (offline plans).
func (w *Network) Expand(n *lang.Network, c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error) {
	subnet, err := netip.ParsePrefix(w.Subnet)
	if err != nil {
		return nil, fmt.Errorf("network %s: subnet: %w", n.Name, err)
	}
	m := Mesh{Owner: Owner(n), Interface: w.Interface, Subnet: subnet, Port: w.Port,
		Keepalive: w.Keepalive, MTU: w.MTU, Rotation: w.RotateKeys}
	if w.Topology == TopologyHub {
		m.Hub = w.Hub
		if !slices.ContainsFunc(w.Members, func(mb lang.Member) bool { return mb.Server == w.Hub }) {
			return nil, fmt.Errorf("network %s: the main server %s is not a member, but clients %s are: it cannot leave while clients remain",
				n.Name, w.Hub, strings.Join(memberNames(w.Members), ", "))
		}
	}
	for _, mb := range w.Members {
		s := c.Server(mb.Server)
		if s == nil {
			return nil, fmt.Errorf("network %s: unknown server %q", n.Name, mb.Server)
		}
		member, err := NewMember(n.Name, s, mb, w.Endpoint[s.Name], w.Port, subnet, facts[s.Name])
		if err != nil {
			return nil, err
		}
		if w.ContainerSubnets && s.Subnet != "" {
			member.Shared = append(member.Shared, s.Subnet)
		}
		member.Shared = append(member.Shared, w.Share[s.Name]...)
		m.Members = append(m.Members, member)
	}
	out := map[string]*blocks.Set{}
	for i := range m.Members {
		set := &blocks.Set{Owner: m.Owner}
		m.AddTo(set, i, facts)
		out[m.Members[i].Server] = set
	}
	return out, nil
}

// NewMember resolves a member's tunnel address (the member's, else the
// host with the server address's low bits) and the endpoint peers dial.
func NewMember(network string, s *lang.Server, mb lang.Member, endpoint string, port int, subnet netip.Prefix, f *core.Facts) (Member, error) {
	m := Member{Server: s.Name, Address: mb.Address, Endpoint: endpoint}
	if m.Address == "" {
		a, err := derivedAddress(subnet, s.Address)
		if err != nil {
			return m, fmt.Errorf("network %s: member %s: %w (set member %q { address = ... })", network, s.Name, err, s.Name)
		}
		m.Address = a
	}
	if m.Endpoint != "" {
		return m, nil
	}
	ip := s.Address
	if mb.Interface != "" || s.Local {
		ip = core.Unknown
		if f != nil {
			name := mb.Interface
			if name == "" {
				name = f.DefaultIface
			}
			ifc, ok := f.Interface(name)
			if !ok {
				return m, fmt.Errorf("network %s: server %s has no interface %q", network, s.Name, name)
			}
			if ip = firstIPv4(ifc); ip == "" {
				return m, fmt.Errorf("network %s: interface %s of %s has no IPv4 address", network, name, s.Name)
			}
		}
	}
	if ip == core.Unknown {
		m.Endpoint = core.Unknown
		return m, nil
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return m, fmt.Errorf("network %s: server %s address %q: %w", network, s.Name, ip, err)
	}
	m.Endpoint = netip.AddrPortFrom(a, uint16(port)).String()
	return m, nil
}

// derivedAddress is the host of subnet with the low bits of the server's
// IPv4 address (198.51.100.3 in 100.64.20.0/24 is 100.64.20.3).
func derivedAddress(subnet netip.Prefix, server string) (string, error) {
	a, err := netip.ParseAddr(server)
	if err != nil || !a.Is4() || !subnet.Addr().Is4() {
		return "", fmt.Errorf("no IPv4 server address to derive a tunnel address from")
	}
	b := a.As4()
	v := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	n := v % blocks.Size(subnet)
	if n == 0 || n == blocks.Size(subnet)-1 {
		return "", fmt.Errorf("the derived address would be the network or broadcast address of %s", subnet)
	}
	h, err := blocks.Host(subnet, n)
	if err != nil {
		return "", err
	}
	return h.String(), nil
}

// Userspace is the implementation of WireGuard on a kernel without it.
const Userspace = "wireguard-go"

// Implementation is what runs a member's WireGuard interface, from its
// facts: "kernel", Userspace (wireguard-go, slower), or host.Unknown.
func Implementation(f *core.Facts) string {
	switch {
	case f == nil:
		return core.Unknown
	case f.HasLinkKind("wireguard"):
		return "kernel"
	}
	return Userspace
}

// noRedirects keeps the hub from sending ICMP redirects: it forwards
// between clients on the same interface, which the kernel otherwise
// answers with a redirect to a next hop the client cannot reach directly
// (clients peer only with the hub). The interface's own setting and
// "all" both have to be 0.
func noRedirects(set *blocks.Set, iface, dev string) {
	for _, scope := range []string{"all", iface} {
		key := "net.ipv4.conf." + scope + ".send_redirects"
		set.Add("sysctl", key, map[string]string{"key": key, "value": "0"}, dev)
	}
}

// DeviceID is the ID of a member's WireGuard interface resource.
func (m Mesh) DeviceID() string { return "wireguard/" + m.Interface }

// Peers are the members member i talks to directly.
func (m Mesh) Peers(i int) []int {
	var out []int
	me := m.Members[i].Server
	for j, p := range m.Members {
		switch {
		case j == i:
		case m.Hub == "" || me == m.Hub || p.Server == m.Hub:
			out = append(out, j)
		}
	}
	return out
}

// AddTo adds member i's interface, address, peers, routes and checks.
func (m Mesh) AddTo(set *blocks.Set, i int, facts map[string]*core.Facts) {
	me := m.Members[i]
	attrs := map[string]string{
		"listen_port": strconv.Itoa(m.Port), "mtu": strconv.Itoa(m.MTU), "rotation": strconv.Itoa(m.Rotation),
		"implementation": Implementation(facts[me.Server]),
	}
	var after []string
	if attrs["implementation"] == Userspace {
		after = append(after, set.Add("package", "wireguard-go", map[string]string{"name": "wireguard-go"}))
	}
	dev := set.Add("wireguard", m.Interface, attrs, after...)
	if m.Hub != "" && me.Server == m.Hub {
		noRedirects(set, m.Interface, dev)
	}
	cidr := me.Address + "/" + strconv.Itoa(m.Subnet.Bits())
	set.Add("addr", m.Interface+"/"+cidr, map[string]string{"dev": m.Interface, "cidr": cidr}, dev)
	fwd := blocks.Forwarding(set)
	for _, j := range m.Peers(i) {
		m.addPeer(set, i, j, facts, dev)
	}
	for _, j := range m.routed(i) {
		for _, subnet := range m.Members[j].Shared {
			set.Add("route", subnet, map[string]string{"dst": subnet, "dev": m.Interface}, dev, fwd)
		}
	}
	for _, j := range m.Peers(i) {
		// The handshake first: the pings need it.
		p := m.Members[j]
		set.Check("wireguard", fmt.Sprintf("%s has a recent WireGuard handshake with %s on %s", me.Server, p.Server, m.Interface),
			map[string]string{"dev": m.Interface, "peer": m.Interface + "/" + p.Server, "timeout_ms": "15000"})
		set.Checks[len(set.Checks)-1].Peer = p.Server
		set.Check("ping", fmt.Sprintf("%s reaches %s over %s", me.Server, p.Server, m.Interface),
			map[string]string{"dst": p.Address, "count": "1", "timeout_ms": "3000", "retry_ms": "5000"})
		set.Checks[len(set.Checks)-1].Peer = p.Server
	}
}

// routed are the members whose shared subnets member i routes into the
// interface: every other member (a client reaches the others' through the
// hub).
func (m Mesh) routed(i int) []int {
	var out []int
	for j := range m.Members {
		if j != i {
			out = append(out, j)
		}
	}
	return out
}

func (m Mesh) addPeer(set *blocks.Set, i, j int, facts map[string]*core.Facts, dev string) {
	p := m.Members[j]
	allowed := []string{p.Address + "/32"}
	if m.Hub != "" && p.Server == m.Hub {
		// A client sends everything of the network to the hub.
		allowed = []string{m.Subnet.String()}
		for _, k := range m.routed(i) {
			allowed = append(allowed, m.Members[k].Shared...)
		}
	} else {
		allowed = append(allowed, p.Shared...)
	}
	attrs := map[string]string{
		"dev": m.Interface, "allowed_ips": strings.Join(allowed, ","),
		"keepalive": strconv.Itoa(m.Keepalive), "public_key": core.Unknown,
	}
	if m.Hub == "" || p.Server == m.Hub {
		attrs["endpoint"] = p.Endpoint
	}
	peerDev := p.Server + ":" + m.DeviceID()
	r := core.Resource{Kind: "wgpeer", Name: m.Interface + "/" + p.Server, Attrs: attrs,
		Owners: []string{set.Owner}, After: []string{dev, peerDev}}
	if key, ok := m.publicKey(facts[p.Server]); ok {
		attrs["public_key"] = key
	} else {
		r.Refs = map[string]string{"public_key": core.RefTo(p.Server, m.DeviceID(), "public_key")}
	}
	if m.initiates(i, j) {
		// The pair's first handshake is this member's: its entry for
		// the peer comes after the peer's entry for it, so that the
		// initiation its keepalive sends at once is not dropped.
		attrs["initiator"] = "true"
		r.After = append(r.After, p.Server+":wgpeer/"+m.Interface+"/"+m.Members[i].Server)
	}
	set.Resources = append(set.Resources, r)
}

// initiates reports whether member i starts the first handshake with
// member j: a client with the hub (the hub has no endpoint for its
// clients), and in a full mesh the later member of each pair. One side
// only, and once the other knows it: an initiation the peer does not know
// the sender of is dropped, and two initiations that cross (each side
// answers the other's) both fail; either way the next try comes only
// after WireGuard's 5 s rekey timeout, which bounded a fresh network's
// first apply (6-17 s instead of ~1 s).
func (m Mesh) initiates(i, j int) bool {
	if m.Hub != "" {
		return m.Members[j].Server == m.Hub
	}
	return i > j
}

// publicKey is the peer's current public key, when its host has made one
// with the declared rotation counter.
func (m Mesh) publicKey(f *core.Facts) (string, bool) {
	if f == nil {
		return "", false
	}
	out := f.Outputs[m.DeviceID()]
	if out["public_key"] == "" || out["rotation"] != strconv.Itoa(m.Rotation) {
		return "", false
	}
	return out["public_key"], true
}

func firstIPv4(ifc core.Interface) string {
	for _, a := range ifc.Addrs {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() {
			return p.Addr().String()
		}
	}
	return ""
}

func memberNames(members []lang.Member) []string {
	var out []string
	for _, m := range members {
		out = append(out, m.Server)
	}
	return out
}

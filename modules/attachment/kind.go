package attachment

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Decl is one `attachment "NAME" { ... }` block (the seed's setnet,
// addnet and listnet): a container-like network namespace NAME on Server
// whose interface eth0 sits on a bridge of Network.
type Decl struct {
	Name    string
	Server  string
	Network string // a vxlan, l2vpn or bridge network, or lang.AttachSubnet (default)
	Address string // static address with its prefix length, "" = DHCP
	DHCP    bool   // lease the address (and MTU, router) from the network's DHCP server
	// Gateway is the default route of a static address, "" = none (on the
	// container subnet: the container bridge's address).
	Gateway string

	DeclRange hcl.Range
}

// DeclName is the owner of a's resources on the hosts.
func (a *Decl) DeclName() string { return Owner(a) }

// OrderResource is what a host declaration that depends on a comes after:
// its namespace, on a's server.
func (a *Decl) OrderResource() (server, id string) { return a.Server, "netns/" + a.Name }

// WatchParts identify a's namespace: a new address or network is a new
// namespace, and what runs in it starts again.
func (a *Decl) WatchParts() []string {
	return []string{a.Server, a.Network, a.Address, fmt.Sprint(a.DHCP), a.Gateway}
}

// maxName keeps the host's veth name, "at-" + NAME, within the kernel's
// 15 bytes.
const maxName = 12

// Kind describes the `attachment` block to lang.
func Kind() lang.BlockKind {
	return lang.BlockKind{
		Type:        "attachment",
		Label:       "name",
		Named:       true,
		NameProblem: nameProblem,
		Orderable:   true,
		Noun:        "attachment",
		CountRank:   -1, // counted before the services it serves
		Attrs: []lang.Attr{
			{Name: "server", Type: cty.String, Required: true, Example: `"s1"`, Grammar: "server-ref"},
			{Name: "network", Type: cty.String, Default: cty.StringVal(lang.AttachSubnet), Example: `"vx1"`, Grammar: "ident"},
			{Name: "address", Type: cty.String, Default: cty.StringVal(""), Example: `"100.64.10.50/24"`, Grammar: "ip-or-cidr"},
			{Name: "dhcp", Type: cty.Bool, Default: cty.False, Example: "true"},
			{Name: "gateway", Type: cty.String, Default: cty.StringVal(""), Example: `"100.64.10.1"`, Grammar: "ip"},
		},
		Assemble: assemble,
		Validate: validateAll,
		Show:     showKind(),
	}
}

// nameProblem says what is wrong with an attachment name: it names a
// network namespace and the host's veth at-NAME.
func nameProblem(name string) (summary, detail string) {
	if lang.ValidName(name) && len(name) <= maxName {
		return "", ""
	}
	return "Invalid attachment name", fmt.Sprintf(
		"%q cannot name an attachment: it names a network namespace and the host's veth at-NAME, so it starts with a letter, holds only letters, digits, '_' and '-', and has at most %d characters. Write for example attachment %q.",
		name, maxName, "web1")
}

func assemble(d *lang.BlockDecl) lang.Decl {
	return &Decl{
		Name:      d.Name(),
		Server:    d.String("server"),
		Network:   d.String("network"),
		Address:   d.String("address"),
		DHCP:      d.Bool("dhcp"),
		Gateway:   d.String("gateway"),
		DeclRange: d.Range(),
	}
}

// validateAll checks every attachment against the servers and networks
// it names.
func validateAll(ds []*lang.BlockDecl, decls []lang.Decl, c *lang.Cluster) {
	addresses := map[string]hcl.Range{}
	for i, d := range ds {
		a := decls[i].(*Decl)
		if !d.CheckServer("server") {
			continue
		}
		subnet, ok := checkNetwork(d, a, c)
		if !ok {
			continue
		}
		checkAddress(d, a, subnet, c, addresses)
	}
}

// checkNetwork checks the network exists, has a bridge and has the
// server as a member; it returns the bridge's subnet ("" = any).
func checkNetwork(d *lang.BlockDecl, a *Decl, c *lang.Cluster) (netip.Prefix, bool) {
	if a.Network == lang.AttachSubnet {
		return checkContainerSubnet(d, a, c)
	}
	var net *lang.Network
	var names []string
	for _, cand := range c.Networks {
		names = append(names, cand.Name)
		if cand.Name == a.Network {
			net = cand
		}
	}
	if net == nil {
		detail := fmt.Sprintf("Network %q is not declared.", a.Network)
		if s := lang.Suggest(a.Network, append(names, lang.AttachSubnet)); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		d.Problem("network", "Unknown network", detail+` Name a vxlan, l2vpn or bridge network, or "subnet" for the server's container bridge.`)
		return netip.Prefix{}, false
	}
	_, subnet, ok := c.AttachmentBridge(a.Server, a.Network)
	if !ok {
		d.Problem("network", "Network has no bridge", fmt.Sprintf(
			"Network %q is a %s network, which has no bridge for namespaces. Attach to a vxlan, l2vpn or bridge network, or to \"subnet\" (the server's container bridge).",
			a.Network, net.Kind))
		return netip.Prefix{}, false
	}
	members := memberNames(net.Members())
	if !slices.Contains(members, a.Server) {
		d.Problem("server", "Server is not a member of the network", fmt.Sprintf(
			"Server %q is not a member of network %q (%s), so it has no bridge of it. Add it to the network's servers, or attach on a member: %s.",
			a.Server, a.Network, lang.ShortPos(net.DeclRange), strings.Join(members, ", ")))
		return netip.Prefix{}, false
	}
	if subnet == "" {
		return netip.Prefix{}, true
	}
	p, err := netip.ParsePrefix(subnet)
	return p, err == nil
}

// checkContainerSubnet checks the server has a container bridge and
// returns its subnet.
func checkContainerSubnet(d *lang.BlockDecl, a *Decl, c *lang.Cluster) (netip.Prefix, bool) {
	s := c.Server(a.Server)
	if s.Subnet == "" {
		attr := "network"
		if !d.IsSet(attr) { // network left at its default: point at the server
			attr = "server"
		}
		d.Problem(attr, "Server has no container subnet", fmt.Sprintf(
			"Server %q declares no subnet, so it has no container bridge to attach %q to. Give the server subnet = \"100.65.1.0/24\", or attach to a network: network = \"vx1\".",
			a.Server, a.Name))
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(s.Subnet)
	return p, err == nil
}

func memberNames(members []lang.Member) []string {
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.Server
	}
	return names
}

// checkAddress checks address or dhcp (exactly one), and gateway.
func checkAddress(d *lang.BlockDecl, a *Decl, subnet netip.Prefix, c *lang.Cluster, seen map[string]hcl.Range) {
	switch {
	case a.Address == "" && !a.DHCP:
		d.BlockProblem("Attachment without an address", fmt.Sprintf(
			"Attachment %q needs an address: write address = \"100.64.10.50/24\" for a static one, or dhcp = true.", a.Name))
		return
	case a.Address != "" && a.DHCP:
		d.Problem("address", "Both address and dhcp", "An attachment takes a static address or a DHCP lease, not both. Remove address, or dhcp = true.")
		return
	case a.DHCP:
		if a.Gateway != "" {
			d.Problem("gateway", "Gateway with DHCP", "With dhcp = true the router comes from the DHCP server. Remove gateway.")
		}
		checkDHCP(d, a, c)
		return
	}
	p, ok := checkStatic(d, a, subnet, c)
	if !ok {
		return
	}
	key := a.Server + "\x00" + a.Network + "\x00" + p.Addr().String()
	if first, dup := seen[key]; dup {
		d.Problem("address", "Address used twice", fmt.Sprintf(
			"%s is already the address of the attachment at %s on the same network. Give each attachment its own address.", p.Addr(), lang.ShortPos(first)))
	}
	seen[key] = d.AttrRange("address")
	if a.Gateway != "" {
		checkGateway(d, a, p)
	}
}

// checkStatic checks a static address: IPv4 with a prefix length, a host
// address in the network's subnet, outside its DHCP pool.
func checkStatic(d *lang.BlockDecl, a *Decl, subnet netip.Prefix, c *lang.Cluster) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(a.Address)
	if err != nil || !p.Addr().Is4() {
		d.Problem("address", "Invalid attachment address", fmt.Sprintf(
			"%q is not an IPv4 address with a prefix length; write for example address = \"100.64.10.50/24\".", a.Address))
		return p, false
	}
	if p.Addr() == p.Masked().Addr() || (p.Bits() < 31 && p.Addr() == lang.LastAddr(p)) {
		d.Problem("address", "Attachment address is not a host address", fmt.Sprintf(
			"%s is the network or broadcast address of %s; pick a host address inside it.", p.Addr(), p.Masked()))
		return p, false
	}
	if subnet.IsValid() && (p.Masked() != subnet) {
		d.Problem("address", "Address outside the network's subnet", fmt.Sprintf(
			"%q is not in %s, the subnet of %q; write an address of it with its prefix length, for example %q.",
			a.Address, subnet, a.Network, exampleHost(subnet)))
		return p, false
	}
	if summary, detail := c.StaticInPool(p, a.Network, a.Server, fmt.Sprintf("%q", a.Network)); summary != "" {
		d.Problem("address", summary, detail)
		return p, false
	}
	return p, true
}

// checkGateway checks a static address's gateway is another address of
// its subnet.
func checkGateway(d *lang.BlockDecl, a *Decl, p netip.Prefix) {
	g, summary, detail := lang.ParseAddress(a.Gateway)
	if summary != "" {
		d.Problem("gateway", summary, detail)
		return
	}
	if !p.Masked().Contains(g) || g == p.Addr() {
		d.Problem("gateway", "Gateway not on the attachment's subnet", fmt.Sprintf(
			"%s is not another address of %s, so the namespace cannot reach it. Write a router on that subnet, or remove gateway.", g, p.Masked()))
	}
}

// checkDHCP reports a DHCP attachment on a network no drover DHCP server
// serves (a plain bridge relies on the operator's own).
func checkDHCP(d *lang.BlockDecl, a *Decl, c *lang.Cluster) {
	if c.LeaseServed(a.Network, a.Server) {
		return
	}
	fix := fmt.Sprintf("set dhcp = true in network %q", a.Network)
	if a.Network == lang.AttachSubnet {
		fix = fmt.Sprintf("set dhcp = true in server %q", a.Server)
	}
	d.Problem("dhcp", "No DHCP server on the network", fmt.Sprintf(
		"Nothing serves DHCP on %q, so attachment %q would never get a lease. Give it a static address (address = \"...\"), or %s.",
		a.Network, a.Name, fix))
}

// exampleHost is host 50 (or 2) of subnet with its prefix length.
func exampleHost(subnet netip.Prefix) string {
	a := subnet.Masked().Addr().As4()
	if subnet.Bits() <= 25 {
		a[3] += 50
	} else {
		a[3] += 2
	}
	return netip.PrefixFrom(netip.AddrFrom4(a), subnet.Bits()).String()
}

// StaticRanges: the attachment's static address on its network
// (container.Slice leaves it out of every server's slice).
func (a *Decl) StaticRanges(network, server string) []netip.Prefix {
	p, err := netip.ParsePrefix(a.Address)
	if err != nil || network != a.Network || (network == lang.AttachSubnet && server != a.Server) {
		return nil
	}
	return []netip.Prefix{netip.PrefixFrom(p.Addr(), p.Addr().BitLen())}
}

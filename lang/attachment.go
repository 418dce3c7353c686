package lang

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// blockAttachment is the attachment block (model_attachment.go).
const blockAttachment = "attachment"

// maxAttachmentName keeps the host's veth name, "at-" + NAME, within
// the kernel's 15 bytes.
const maxAttachmentName = 12

func attachmentBlockSchema() hcl.BlockHeaderSchema {
	return hcl.BlockHeaderSchema{Type: blockAttachment, LabelNames: []string{"name"}}
}

func attachmentSpecs() []attrSpec {
	return inBlock("attachment", []attrSpec{
		{name: "server", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"s1"`, required: true},
		{name: "network", typ: cty.String, deflt: str(AttachSubnet), example: `"vx1"`},
		{name: "address", typ: cty.String, deflt: str(""), example: `"100.64.10.50/24"`},
		{name: "dhcp", typ: cty.Bool, deflt: cty.False, example: "true"},
		{name: "gateway", typ: cty.String, deflt: str(""), example: `"100.64.10.1"`},
	})
}

// attachDecl is one attachment block.
type attachDecl struct {
	name  string
	block *hcl.Block
	attrs map[string]*node
}

// collectAttachment registers one attachment block.
func (l *loader) collectAttachment(b *hcl.Block) {
	name := b.Labels[0]
	if !validName(blockServer, name) || len(name) > maxAttachmentName {
		l.errorf(b.LabelRanges[0], nil, "Invalid attachment name",
			"%q cannot name an attachment: it names a network namespace and the host's veth at-NAME, so it starts with a letter, holds only letters, digits, '_' and '-', and has at most %d characters. Write for example attachment %q.",
			name, maxAttachmentName, "web1")
		return
	}
	for _, d := range l.attachments {
		if d.name == name {
			l.errorf(b.LabelRanges[0], nil, fmt.Sprintf("Duplicate attachment %q", name),
				"An attachment named %q was already declared at %s. Rename this one or remove it.", name, shortPos(d.block.DefRange))
			return
		}
	}
	content := l.content(b.Body, bodySchema(attachmentSpecs()), "An attachment block")
	d := &attachDecl{name: name, block: b}
	d.attrs = l.attrNodes([]string{blockAttachment, name}, attachmentSpecs(), content, b.DefRange)
	l.attachments = append(l.attachments, d)
}

// assembleAttachments adds the attachment blocks to the model.
func (l *loader) assembleAttachments(c *Cluster) {
	for _, d := range l.attachments {
		a := &Attachment{Name: d.name, DeclRange: d.block.DefRange}
		a.Server, _ = l.stringOf(d.attrs["server"])
		a.Network, _ = l.stringOf(d.attrs["network"])
		a.Address, _ = l.stringOf(d.attrs["address"])
		a.DHCP, _ = boolOf(d.attrs["dhcp"])
		a.Gateway, _ = l.stringOf(d.attrs["gateway"])
		c.Attachments = append(c.Attachments, a)
	}
}

// validateAttachments checks every attachment against the servers and
// networks it names.
func (l *loader) validateAttachments(c *Cluster) {
	addresses := map[string]hcl.Range{}
	for i, d := range l.attachments {
		a := c.Attachments[i]
		if !l.checkServer(d.attrs["server"], a.Server) {
			continue
		}
		subnet, ok := l.checkAttachNetwork(d, a, c)
		if !ok {
			continue
		}
		l.checkAttachAddress(d, a, subnet, c, addresses)
	}
}

// checkAttachNetwork checks the network exists, has a bridge and has the
// server as a member; it returns the bridge's subnet ("" = any).
func (l *loader) checkAttachNetwork(d *attachDecl, a *Attachment, c *Cluster) (netip.Prefix, bool) {
	n := d.attrs["network"]
	if a.Network == AttachSubnet {
		s := c.Server(a.Server)
		if s.Subnet == "" {
			if n.expr == nil { // network left at its default: point at the server
				n = d.attrs["server"]
			}
			l.report(n, problem{"Server has no container subnet", fmt.Sprintf(
				"Server %q declares no subnet, so it has no container bridge to attach %q to. Give the server subnet = \"100.65.1.0/24\", or attach to a network: network = \"vx1\".",
				a.Server, a.Name)})
			return netip.Prefix{}, false
		}
		p, err := netip.ParsePrefix(s.Subnet)
		return p, err == nil
	}
	var net *Network
	var names []string
	for _, cand := range c.Networks {
		names = append(names, cand.Name)
		if cand.Name == a.Network {
			net = cand
		}
	}
	if net == nil {
		detail := fmt.Sprintf("Network %q is not declared.", a.Network)
		if s := suggest(a.Network, append(names, AttachSubnet)); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		l.report(n, problem{"Unknown network", detail + ` Name a vxlan, l2vpn or bridge network, or "subnet" for the server's container bridge.`})
		return netip.Prefix{}, false
	}
	_, subnet, ok := c.AttachmentBridge(a)
	if !ok {
		l.report(n, problem{"Network has no bridge", fmt.Sprintf(
			"Network %q is a %s network, which has no bridge for namespaces. Attach to a vxlan, l2vpn or bridge network, or to \"subnet\" (the server's container bridge).",
			a.Network, net.Kind)})
		return netip.Prefix{}, false
	}
	if !slices.Contains(memberNames(net.Members()), a.Server) {
		l.report(d.attrs["server"], problem{"Server is not a member of the network", fmt.Sprintf(
			"Server %q is not a member of network %q (%s), so it has no bridge of it. Add it to the network's servers, or attach on a member: %s.",
			a.Server, a.Network, shortPos(net.DeclRange), strings.Join(memberNames(net.Members()), ", "))})
		return netip.Prefix{}, false
	}
	if subnet == "" {
		return netip.Prefix{}, true
	}
	p, err := netip.ParsePrefix(subnet)
	return p, err == nil
}

// checkAttachAddress checks address or dhcp (exactly one), and gateway.
func (l *loader) checkAttachAddress(d *attachDecl, a *Attachment, subnet netip.Prefix, c *Cluster, seen map[string]hcl.Range) {
	addr, dhcp, gw := d.attrs["address"], d.attrs["dhcp"], d.attrs["gateway"]
	switch {
	case a.Address == "" && !a.DHCP:
		l.reportAt(d.block.DefRange, problem{"Attachment without an address", fmt.Sprintf(
			"Attachment %q needs an address: write address = \"100.64.10.50/24\" for a static one, or dhcp = true.", a.Name)})
		return
	case a.Address != "" && a.DHCP:
		l.report(addr, problem{"Both address and dhcp", "An attachment takes a static address or a DHCP lease, not both. Remove address, or dhcp = true."})
		return
	case a.DHCP:
		if a.Gateway != "" {
			l.report(gw, problem{"Gateway with DHCP", "With dhcp = true the router comes from the DHCP server. Remove gateway."})
		}
		l.checkAttachDHCP(dhcp, a, c)
		return
	}
	p, err := netip.ParsePrefix(a.Address)
	if err != nil || !p.Addr().Is4() {
		l.report(addr, problem{"Invalid attachment address", fmt.Sprintf(
			"%q is not an IPv4 address with a prefix length; write for example address = \"100.64.10.50/24\".", a.Address)})
		return
	}
	if p.Addr() == p.Masked().Addr() || (p.Bits() < 31 && p.Addr() == lastAddr(p)) {
		l.report(addr, problem{"Attachment address is not a host address", fmt.Sprintf(
			"%s is the network or broadcast address of %s; pick a host address inside it.", p.Addr(), p.Masked())})
		return
	}
	if subnet.IsValid() && (p.Masked() != subnet) {
		l.report(addr, problem{"Address outside the network's subnet", fmt.Sprintf(
			"%q is not in %s, the subnet of %q; write an address of it with its prefix length, for example %q.",
			a.Address, subnet, a.Network, exampleHost(subnet))})
		return
	}
	if c.servesDHCP(a.Network, a.Server) && inDHCPPool(p, p.Addr()) {
		l.report(addr, staticInPool(p, p.Addr(), fmt.Sprintf("%q", a.Network)))
		return
	}
	key := a.Server + "\x00" + a.Network + "\x00" + p.Addr().String()
	if first, dup := seen[key]; dup {
		l.report(addr, problem{"Address used twice", fmt.Sprintf(
			"%s is already the address of the attachment at %s on the same network. Give each attachment its own address.", p.Addr(), shortPos(first))})
	}
	seen[key] = addr.rng
	if a.Gateway == "" {
		return
	}
	g, prob := parseAddress(a.Gateway)
	if !prob.ok() {
		l.report(gw, prob)
		return
	}
	if !p.Masked().Contains(g) || g == p.Addr() {
		l.report(gw, problem{"Gateway not on the attachment's subnet", fmt.Sprintf(
			"%s is not another address of %s, so the namespace cannot reach it. Write a router on that subnet, or remove gateway.", g, p.Masked())})
	}
}

// checkAttachDHCP reports a DHCP attachment on a network no drover DHCP
// server serves (a plain bridge relies on the operator's own).
func (l *loader) checkAttachDHCP(n *node, a *Attachment, c *Cluster) {
	served := true
	switch {
	case a.Network == AttachSubnet:
		served = c.Server(a.Server).DHCP
	default:
		for _, net := range c.Networks {
			if d, ok := net.Spec.(DHCPNetwork); ok && net.Name == a.Network {
				_, served = d.DHCPServer()
			}
		}
	}
	if !served {
		fix := fmt.Sprintf("set dhcp = true in network %q", a.Network)
		if a.Network == AttachSubnet {
			fix = fmt.Sprintf("set dhcp = true in server %q", a.Server)
		}
		l.report(n, problem{"No DHCP server on the network", fmt.Sprintf(
			"Nothing serves DHCP on %q, so attachment %q would never get a lease. Give it a static address (address = \"...\"), or %s.",
			a.Network, a.Name, fix)})
	}
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

// servesDHCP says whether drover's dnsmasq leases addresses on network
// (AttachSubnet: the container subnet of server).
func (c *Cluster) servesDHCP(network, server string) bool {
	if network == AttachSubnet {
		s := c.Server(server)
		return s != nil && s.DHCP
	}
	n := c.NetworkNamed(network)
	if n == nil {
		return false
	}
	if d, ok := n.Spec.(DHCPNetwork); ok {
		_, on := d.DHCPServer()
		return on
	}
	return false
}

// inDHCPPool says whether a is in the DHCP pool of subnet: its upper
// half without the broadcast address (modules/blocks.DHCP.Range).
func inDHCPPool(subnet netip.Prefix, a netip.Addr) bool {
	subnet = subnet.Masked()
	if !a.Is4() || !subnet.Addr().Is4() || subnet.Bits() > maxDHCPBits || !subnet.Contains(a) {
		return false
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	host := v & (uint32(1)<<(32-subnet.Bits()) - 1)
	return host >= uint32(1)<<(31-subnet.Bits()) && a != lastAddr(subnet)
}

// staticInPool is the problem of a static address inside the DHCP pool
// of a network drover's dnsmasq serves (it leases those without a ping).
func staticInPool(subnet netip.Prefix, a netip.Addr, network string) problem {
	first, _ := netip.ParsePrefix(subnet.Masked().Addr().String() + "/" + strconv.Itoa(subnet.Bits()+1))
	return problem{"Static address in the DHCP pool", fmt.Sprintf(
		"%s is in the DHCP pool of %s (the upper half of %s), where dnsmasq leases addresses; pick one of the lower half, %s.",
		a, network, subnet.Masked(), first)}
}

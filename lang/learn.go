package lang

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/drover/drover/core"
	"github.com/hashicorp/hcl/v2"
)

// A server whose address is a host name (and no private_address) has the
// IP that peers, overlays and daemon configs use learned from its facts
// once drover connects: modules (LearnAddresses) and the runner (the plan
// header) both ask LearnedAddress.

// knownAddresses are the IPv4 addresses written in the configuration.
func knownAddresses(c *Cluster) []netip.Addr {
	var out []netip.Addr
	for _, s := range c.Servers {
		if a, err := netip.ParseAddr(s.Address); err == nil && a.Is4() {
			out = append(out, a)
		}
	}
	return out
}

// LearnedAddress is the IPv4 address peers use for a server of c whose
// address is a host name: the first IPv4 address of its declared
// interface; else the address of an interface on the same subnet as
// another server's declared address (the route towards the others is that
// link); else the first IPv4 address of the default route's interface (the
// route towards servers elsewhere). The error names the server and what to
// write.
func (c *Cluster) LearnedAddress(s *Server, f *core.Facts) (string, error) {
	others := knownAddresses(c)
	if s.Interface != "" {
		ifc, ok := f.Interface(s.Interface)
		if a := firstIPv4(ifc); ok && a.IsValid() {
			return a.String(), nil
		}
		return "", learnError(s, f, fmt.Sprintf("its interface %s has no IPv4 address", s.Interface))
	}
	for _, ifc := range f.Interfaces {
		for _, cidr := range ifc.Addrs {
			p, err := netip.ParsePrefix(cidr)
			if err != nil || !p.Addr().Is4() || p.Addr().IsLoopback() {
				continue
			}
			for _, o := range others {
				if p.Masked().Contains(o) && o != p.Addr() {
					return p.Addr().String(), nil
				}
			}
		}
	}
	if ifc, ok := f.Interface(f.DefaultIface); ok {
		if a := firstIPv4(ifc); a.IsValid() {
			return a.String(), nil
		}
		return "", learnError(s, f, fmt.Sprintf("the default route's interface %s has no IPv4 address", ifc.Name))
	}
	return "", learnError(s, f, "it has no IPv4 default route and no interface on another server's subnet")
}

func learnError(s *Server, f *core.Facts, why string) error {
	var ifcs []string
	for _, ifc := range f.Interfaces {
		ifcs = append(ifcs, fmt.Sprintf("%s %s", ifc.Name, strings.Join(ifc.Addrs, " ")))
	}
	return fmt.Errorf("%s: server %s: address %q is a host name, so the IP address peers and daemon configs use is learned from the server, but %s (interfaces: %s). Set it: server %q { private_address = \"...\" }, or name the link: interface = \"...\"",
		rangePos(s.AddressRange), s.Name, s.Connect, why, strings.Join(ifcs, "; "), s.Name)
}

// rangePos is file:line:col of r.
func rangePos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func firstIPv4(ifc core.Interface) netip.Addr {
	for _, a := range ifc.Addrs {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() {
			return p.Addr()
		}
	}
	return netip.Addr{}
}

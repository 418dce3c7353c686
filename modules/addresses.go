package modules

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// unresolved marks, in a server's Address, an address that could not be
// learned from facts that are known: Expand reports the server's error if
// anything it makes uses the marker (and only then: a server that is in
// no network or service needs no address).
const unresolved = "\x00(no address learned for "

// LearnAddresses returns c with the Address of every server that learns
// it (address is a host name and no private_address is set) taken from
// its facts (LearnedAddress). Without facts (an offline plan, an
// unreachable host) the address is core.Unknown, planned as "known after
// apply". c itself is not changed. failed maps each server whose facts
// give no address to the error saying what to write.
func LearnAddresses(c *lang.Cluster, facts map[string]*core.Facts) (out *lang.Cluster, failed map[string]error) {
	if !learns(c) {
		return c, nil
	}
	copied := *c
	copied.Servers = make([]*lang.Server, len(c.Servers))
	known := knownAddresses(c)
	failed = map[string]error{}
	for i, s := range c.Servers {
		copied.Servers[i] = s
		if !s.LearnAddress {
			continue
		}
		s2 := *s
		switch f := facts[s.Name]; {
		case f == nil:
			s2.Address = core.Unknown
		default:
			a, err := LearnedAddress(s, f, known)
			if err != nil {
				s2.Address, failed[s.Name] = unresolved+s.Name+")", err
			} else {
				s2.Address = a
			}
		}
		copied.Servers[i] = &s2
	}
	return &copied, failed
}

func learns(c *lang.Cluster) bool {
	for _, s := range c.Servers {
		if s.LearnAddress {
			return true
		}
	}
	return false
}

// knownAddresses are the IPv4 addresses written in the configuration.
func knownAddresses(c *lang.Cluster) []netip.Addr {
	var out []netip.Addr
	for _, s := range c.Servers {
		if a, err := netip.ParseAddr(s.Address); err == nil && a.Is4() {
			out = append(out, a)
		}
	}
	return out
}

// LearnedAddress is the IPv4 address peers use for a server whose address
// is a host name: the first IPv4 address of its declared interface; else
// the address of an interface on the same subnet as another server's
// declared address (the route towards the others is that link); else the
// first IPv4 address of the default route's interface (the route towards
// servers elsewhere). The error names the server and what to write.
func LearnedAddress(s *lang.Server, f *core.Facts, others []netip.Addr) (string, error) {
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

func learnError(s *lang.Server, f *core.Facts, why string) error {
	var ifcs []string
	for _, ifc := range f.Interfaces {
		ifcs = append(ifcs, fmt.Sprintf("%s %s", ifc.Name, strings.Join(ifc.Addrs, " ")))
	}
	return fmt.Errorf("%s: server %s: address %q is a host name, so the IP address peers and daemon configs use is learned from the server, but %s (interfaces: %s). Set it: server %q { private_address = \"...\" }, or name the link: interface = \"...\"",
		pos(s.AddressRange), s.Name, s.Connect, why, strings.Join(ifcs, "; "), s.Name)
}

// pos is file:line:col of r.
func pos(r hcl.Range) string {
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

// usesUnresolved reports the servers whose unresolved marker some resource
// or check of d holds.
func usesUnresolved(d *core.Desired, failed map[string]error) []string {
	var errs []string
	for name, err := range failed {
		marker := unresolved + name + ")"
		if holds(d, marker) {
			errs = append(errs, err.Error())
		}
	}
	return errs
}

func holds(d *core.Desired, s string) bool {
	for _, h := range d.Hosts {
		for _, r := range h.Resources {
			for _, v := range r.Attrs {
				if strings.Contains(v, s) {
					return true
				}
			}
		}
		for _, c := range h.Checks {
			for _, v := range c.Attrs {
				if strings.Contains(v, s) {
					return true
				}
			}
		}
	}
	return false
}

package modules

import (
	"strings"

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
// its facts (lang.Cluster.LearnedAddress). Without facts (an offline plan, an
// unreachable host) the address is core.Unknown, planned as "known after
// apply". c itself is not changed. failed maps each server whose facts
// give no address to the error saying what to write.
func LearnAddresses(c *lang.Cluster, facts map[string]*core.Facts) (out *lang.Cluster, failed map[string]error) {
	if !learns(c) {
		return c, nil
	}
	copied := *c
	copied.Servers = make([]*lang.Server, len(c.Servers))
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
			a, err := c.LearnedAddress(s, f)
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

// withoutMarkers makes an error that quotes an unresolved marker
// printable: the marker reads "(no address learned for NAME)".
func withoutMarkers(msg string) string {
	return strings.ReplaceAll(msg, unresolved, "(no address learned for ")
}

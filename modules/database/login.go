package database

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// LoginChecks returns, by server, the checks that prove d serves its
// clients: a login over TCP as d's user reaches d's database from an
// address inside d's allow range, and, where that is cheap (the
// database's own server is outside the range), a login from outside it
// is refused.
//
// The allowed login runs on d's server itself when one of its addresses
// (its address, its container bridge's, its overlay addresses) is inside
// allow: it reaches that
// address, and the password never leaves the server (a generated one is
// read from its file there). Otherwise it runs on the first other server
// inside allow, which needs the password: only a declared password can
// go there, as a sensitive attribute. A generated password never leaves
// its server, so that case proves only the refusal (README, Tests).
func LoginChecks(d *Decl, c *lang.Cluster) map[string]*blocks.Set {
	srv := c.Server(d.Server)
	allow, err := netip.ParsePrefix(d.Allow)
	if srv == nil || err != nil {
		return nil
	}
	sets := map[string]*blocks.Set{}
	set := func(server string) *blocks.Set {
		if sets[server] == nil {
			sets[server] = &blocks.Set{Owner: Owner(d)}
		}
		return sets[server]
	}
	own := ownAddresses(srv, c)
	if a, ok := firstInside(own, allow, d.Listen); ok {
		addLogin(set(d.Server), d, d.Server, a, true)
	} else if d.Password != "" {
		for _, s := range c.Servers {
			a, err := netip.ParseAddr(s.Address)
			if s.Name == d.Server || err != nil || !allow.Contains(a) {
				continue
			}
			addLogin(set(s.Name), d, s.Name, connectAddr(d, srv), false)
			break
		}
	}
	if a, ok := firstOutside(own, allow, d.Listen); ok {
		addRefused(set(d.Server), d, a)
	}
	return sets
}

// ownAddresses are the addresses of srv a login may come from: its own,
// its container bridge's (the first of its subnet), and its addresses on
// the overlay networks it is a member of.
func ownAddresses(srv *lang.Server, c *lang.Cluster) []netip.Addr {
	var out []netip.Addr
	if a, err := netip.ParseAddr(srv.Address); err == nil {
		out = append(out, a)
	}
	if p, err := netip.ParsePrefix(srv.Subnet); err == nil {
		if gw, err := blocks.Host(p, 1); err == nil {
			out = append(out, gw)
		}
	}
	for _, n := range c.Networks {
		for _, m := range n.Members() {
			if m.Server != srv.Name {
				continue
			}
			if a, err := netip.ParseAddr(strings.Split(m.Address, "/")[0]); err == nil {
				out = append(out, a)
			}
		}
	}
	return out
}

// listensOn reports whether a server listening on listen answers at a.
func listensOn(listen string, a netip.Addr) bool {
	return listen == "" || listen == "0.0.0.0" || listen == "::" || listen == a.String()
}

// firstInside is the first of addrs inside allow the server answers at:
// a login to it from the same host comes from it.
func firstInside(addrs []netip.Addr, allow netip.Prefix, listen string) (netip.Addr, bool) {
	for _, a := range addrs {
		if allow.Contains(a) && listensOn(listen, a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// firstOutside is the first of addrs outside allow the server answers
// at.
func firstOutside(addrs []netip.Addr, allow netip.Prefix, listen string) (netip.Addr, bool) {
	for _, a := range addrs {
		if !allow.Contains(a) && listensOn(listen, a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// connectAddr is where other servers reach d: its listen address, or its
// server's.
func connectAddr(d *Decl, srv *lang.Server) netip.Addr {
	if a, err := netip.ParseAddr(d.Listen); err == nil && !a.IsUnspecified() {
		return a
	}
	a, _ := netip.ParseAddr(srv.Address)
	return a
}

// loginAttrs are the attributes of a login check run on server (local:
// d's own server) that connects to a.
func loginAttrs(d *Decl, a netip.Addr, local bool, expect string) map[string]string {
	attrs := map[string]string{
		"engine": d.Engine, "host": a.String(), "port": strconv.Itoa(d.Port),
		"database": d.Name, "user": d.User, "expect": expect, "retry_ms": "5000",
	}
	switch {
	case d.Password != "":
		attrs["password"] = d.Password
	case local:
		attrs["password_file"] = PasswordFile(d)
	}
	if d.Engine == PostgreSQL && local {
		attrs["bin"] = PostgresBin
	}
	return attrs
}

func addLogin(set *blocks.Set, d *Decl, from string, a netip.Addr, local bool) {
	set.Check("sqllogin", fmt.Sprintf("%s logs in to %s %s as %s at %s:%d", from, d.Engine, d.Name, d.User, a, d.Port),
		loginAttrs(d, a, local, "login"))
	markLogin(set, d, from)
}

func addRefused(set *blocks.Set, d *Decl, a netip.Addr) {
	attrs := loginAttrs(d, a, true, "refused")
	attrs["retry_ms"] = "0"
	set.Check("sqllogin", fmt.Sprintf("%s is refused a login to %s %s from %s (outside allow %s)", d.Server, d.Engine, d.Name, a, d.Allow),
		attrs)
	markLogin(set, d, d.Server)
}

// markLogin makes the last check's password sensitive, and names d's
// server as its peer when it runs elsewhere (from).
func markLogin(set *blocks.Set, d *Decl, from string) {
	c := &set.Checks[len(set.Checks)-1]
	c.Sensitive = []string{"password"}
	if from != d.Server {
		c.Peer = d.Server
	}
}

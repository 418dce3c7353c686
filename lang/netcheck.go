package lang

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
)

// problem is what is wrong with a value: a summary and a detail that says
// what to write instead. The zero problem means the value is fine.
type problem struct{ summary, detail string }

func (p problem) ok() bool { return p.summary == "" }

// parseAddress parses an IPv4 or IPv6 address.
func parseAddress(s string) (netip.Addr, problem) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return netip.Addr{}, problem{"Invalid IP address",
			fmt.Sprintf("%q is a CIDR; write the address alone: %q.", s, p.Addr().String())}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, problem{"Invalid IP address",
			fmt.Sprintf("%q is not an IP address; write an IPv4 or IPv6 address such as \"198.51.100.1\".", s)}
	}
	return a, problem{}
}

// parseCIDR parses a network prefix whose host bits are zero.
func parseCIDR(s string) (netip.Prefix, problem) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
			bits := 24
			if a.Is6() {
				bits = 64
			}
			guess := netip.PrefixFrom(a, bits).Masked()
			return netip.Prefix{}, problem{"Invalid CIDR",
				fmt.Sprintf("%q has no prefix length; write a network with one, for example %q.", s, guess.String())}
		}
		return netip.Prefix{}, problem{"Invalid CIDR",
			fmt.Sprintf("%q is not a CIDR; write a network address and prefix length such as \"100.65.1.0/24\".", s)}
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, problem{"CIDR has host bits set",
			fmt.Sprintf("%q has bits set after the /%d prefix; did you mean %q?", s, p.Bits(), m.String())}
	}
	return p, problem{}
}

// maxIfname is the longest Linux interface name (IFNAMSIZ - 1).
const maxIfname = 15

// ifnameProblem checks a Linux interface name like the kernel does
// (dev_valid_name): 1..15 bytes, not "." or "..", no '/', ':' or space.
func ifnameProblem(s, attr, example string) problem {
	var why string
	switch {
	case s == "":
		why = "is empty"
	case len(s) > maxIfname:
		why = fmt.Sprintf("is %d bytes long", len(s))
	case s == "." || s == "..":
		why = "is reserved"
	default:
		if i := strings.IndexFunc(s, badIfnameRune); i >= 0 {
			why = fmt.Sprintf("contains %q", s[i:i+1])
		}
	}
	if why == "" {
		return problem{}
	}
	return problem{fmt.Sprintf("Invalid %s name", attr),
		fmt.Sprintf("%q %s; Linux interface names have 1 to %d characters and no '/', ':' or spaces. Write for example %s = %s.",
			s, why, maxIfname, attr, example)}
}

func badIfnameRune(r rune) bool {
	return r == '/' || r == ':' || unicode.IsSpace(r) || unicode.IsControl(r)
}

// domainProblem checks a DNS domain: dot-separated labels of letters,
// digits and '-', each 1..63 characters, 253 in all.
func domainProblem(s, attr, example string) problem {
	bad := problem{"Invalid domain",
		fmt.Sprintf("%q is not a DNS domain; write labels of letters, digits and '-' separated by dots, for example %s = %s.", s, attr, example)}
	if s == "" || len(s) > 253 {
		return bad
	}
	for _, label := range strings.Split(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return bad
		}
		for _, r := range label {
			if !(r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
				return bad
			}
		}
	}
	return problem{}
}

// userProblem checks a login name.
func userProblem(s string) problem {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '@' || r == ':' }) >= 0 {
		return problem{"Invalid user", fmt.Sprintf("%q is not a login name; write for example user = \"root\".", s)}
	}
	return problem{}
}

// inRange checks an integer setting against its limits.
func inRange(v, lo, hi int, summary, attr, example string) problem {
	if v >= lo && v <= hi {
		return problem{}
	}
	return problem{summary, fmt.Sprintf("%s = %d is outside %d..%d. Write for example %s = %s.", attr, v, lo, hi, attr, example)}
}

// jumpProblem checks a bastion "[user@]host[:port]".
func jumpProblem(s string) problem {
	bad := problem{"Invalid jump host",
		fmt.Sprintf("%q is not a bastion address; write [user@]host[:port], for example jump = \"admin@203.0.113.9:22\".", s)}
	hostPort := s
	if i := strings.LastIndex(s, "@"); i >= 0 {
		if !userProblem(s[:i]).ok() {
			return bad
		}
		hostPort = s[i+1:]
	}
	if hostPort == "" || strings.IndexFunc(hostPort, unicode.IsSpace) >= 0 {
		return bad
	}
	return problem{}
}

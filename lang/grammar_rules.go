package lang

// The rules of the named grammars of grammar.go: each tells why a value
// does not match ("" when it does).

import (
	"fmt"
	"net/netip"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

func ipProblem(s, _, _ string) problem { _, p := parseAddress(s); return p }

func cidrProblem(s, _, _ string) problem { _, p := parseCIDR(s); return p }

// plainIfname is an interface name the kernel takes (ifnameProblem) made
// of characters no daemon config gives a meaning: letters, digits, "_.-",
// not starting with '-'.
func plainIfname(s, attr, example string) problem {
	if p := ifnameProblem(s, attr, example); !p.ok() {
		return p
	}
	why := plain(s, charsOf("_.-"))
	if why == "" && s[0] == '-' {
		why = "it starts with '-'"
	}
	if why != "" {
		return problem{fmt.Sprintf("Invalid %s name", attr), fmt.Sprintf(
			"%q: %s; drover's interface names hold letters, digits, '_', '.' and '-'. Write for example %s = %s.", s, why, attr, example)}
	}
	return problem{}
}

func plainJump(s, _, _ string) problem {
	if why := plain(s, func(rune) bool { return true }); why != "" {
		return problem{"Invalid jump host", fmt.Sprintf("%q: %s; write [user@]host[:port], for example jump = \"admin@203.0.113.9:22\".", s, why)}
	}
	return jumpProblem(s)
}

func addrOrPrefix(s string) string {
	if _, err := netip.ParsePrefix(s); err == nil {
		return ""
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return ""
	}
	return "it is neither an IP address nor an address with a prefix length"
}

// plain reports the first character of s outside allowed, or a control or
// non-ASCII character.
func plain(s string, allowed func(r rune) bool) string {
	if !utf8.ValidString(s) {
		return "it is not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "it holds a NUL byte"
		case r == '\n' || r == '\r':
			return "it holds a line break"
		case unicode.IsControl(r):
			return fmt.Sprintf("it holds the control character %q", r)
		case !allowed(r):
			return fmt.Sprintf("%q is not allowed here", r)
		}
	}
	return ""
}

func alnum(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}

func charsOf(set string) func(r rune) bool {
	return func(r rune) bool { return alnum(r) || strings.ContainsRune(set, r) }
}

func hostName(s string) string {
	if p := domainProblem(s, "", ""); !p.ok() {
		return "write labels of letters, digits and '-' separated by dots"
	}
	return ""
}

func urlPath(s string) string {
	if !strings.HasPrefix(s, "/") {
		return "it does not start with '/'"
	}
	if why := plain(s, charsOf("-._~/%!*+,=:@&?")); why != "" {
		return why
	}
	if strings.Contains("/"+s+"/", "/../") || strings.Contains("/"+s+"/", "/./") {
		return "it has '.' or '..' segments"
	}
	return ""
}

func httpURL(s string) string {
	rest, ok := strings.CutPrefix(s, "http://")
	if !ok {
		rest, ok = strings.CutPrefix(s, "https://")
	}
	if !ok {
		return "it does not start with http:// or https://"
	}
	host, p, _ := strings.Cut(rest, "/")
	if why := hostPort(host); why != "" && hostName(host) != "" && addrOrPrefix(host) != "" {
		return "its host is not HOST or HOST:PORT"
	}
	return urlPath("/" + p)
}

// cleanAbsPath accepts absolute paths that filepath.Clean leaves as they
// are: no "//", "/./", "/../" or trailing '/'.
func cleanAbsPath(s string) string {
	if !strings.HasPrefix(s, "/") {
		return "it is not absolute"
	}
	if why := plain(s, func(rune) bool { return true }); why != "" {
		return why
	}
	if c := path.Clean(s); c != s {
		return fmt.Sprintf("it is not clean (\"//\", \"/./\", \"/../\" or a trailing '/'); its clean form is %q", c)
	}
	if len(s) > 4095 {
		return "it is longer than 4095 bytes"
	}
	return ""
}

// configPath is a clean absolute path made of characters that need no
// quoting in any daemon config: letters, digits and "-._+@/".
func configPath(s string) string {
	if why := cleanAbsPath(s); why != "" {
		return why
	}
	return plain(s, charsOf("-._+@/"))
}

// localPath is a file on the controller, relative to the declaring file's
// folder (or absolute, or ~/...).
func localPath(s string) string { return plain(s, func(rune) bool { return true }) }

func linkTarget(s string) string { return plain(s, func(rune) bool { return true }) }

func identifier(s string) string {
	if !validName(blockServer, s) {
		return "it must start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters)"
	}
	return ""
}

func serverRef(s string) string {
	if s == LocalServer {
		return ""
	}
	return identifier(s)
}

func memberRef(s string) string {
	srv, iface, has := strings.Cut(s, ":")
	if why := serverRef(srv); why != "" {
		return "the server name is not a name: " + why
	}
	if has && !plainIfname(iface, "interface", `"eth1"`).ok() {
		return "the part after ':' is not an interface name"
	}
	return ""
}

// unitName is a service name as systemd and the pidfile backend use it:
// "drover-NAME.service", /run/drover/NAME.pid, /var/log/drover/NAME.log.
func unitName(s string) string {
	if !alnum(rune(s[0])) {
		return "it must start with a letter or digit"
	}
	if len(s) > 200 {
		return "it is longer than 200 characters"
	}
	if strings.Contains(s, "..") {
		return "it holds \"..\""
	}
	return plain(s, charsOf("-_.@"))
}

// packageName is a Debian package name (policy 5.6.7), optionally with
// ":ARCH".
func packageName(s string) string {
	name, arch, has := strings.Cut(s, ":")
	if name == "" || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= '0' && name[0] <= '9') {
		return "it must start with a lower-case letter or digit (a leading '-' would be an option)"
	}
	if why := plain(name, func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("+-.", r)
	}); why != "" {
		return why
	}
	if has && identifier(arch) != "" {
		return "the architecture after ':' is not a name"
	}
	return ""
}

var accountRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$`)

func accountName(s string) string {
	if !accountRE.MatchString(s) {
		return "names are 1 to 32 letters, digits, '_', '.' and '-', not starting with '-' or '.'"
	}
	return ""
}

func ownerSpec(s string) string {
	user, group, has := strings.Cut(s, ":")
	if why := accountName(user); why != "" {
		return "the user: " + why
	}
	if has {
		if why := accountName(group); why != "" {
			return "the group: " + why
		}
	}
	return ""
}

func sqlIdent(s string) string {
	if !sqlName(s) {
		return "use letters, digits and '_', starting with a letter or '_' (at most 63 characters)"
	}
	return ""
}

func password(s string) string {
	return plain(s, func(r rune) bool { return r > ' ' && r < 0x7f && r != '\'' && r != '"' && r != '\\' })
}

func keyword(s string) string {
	if !(s[0] >= 'a' && s[0] <= 'z') {
		return "it must start with a lower-case letter"
	}
	return plain(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' })
}

func labelValue(s string) string {
	if strings.HasPrefix(s, "-") {
		return "it must not start with '-'"
	}
	return plain(s, charsOf("-_."))
}

var sysctlKeyRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)+$`)

// sysctlKey is a dotted key; it also names the drop-in file, so '/' (the
// other separator sysctl accepts) and ".." are not allowed.
func sysctlKey(s string) string {
	if !sysctlKeyRE.MatchString(s) || len(s) > 255 {
		return "write dot-separated words of letters, digits, '_' and '-' (no '/' and no empty word)"
	}
	return ""
}

// sysctlValue is one line of a sysctl.d drop-in's right-hand side: words
// of plain characters separated by single spaces or tabs.
func sysctlValue(s string) string {
	if strings.TrimSpace(s) != s {
		return "it starts or ends with a space"
	}
	return plain(s, charsOf("-_.:,/+ \t"))
}

// argvLine is a command split on spaces without a shell: every word is
// plain characters, and the program does not start with '-'.
func argvLine(s string) string {
	if strings.HasPrefix(s, "-") {
		return "the program name starts with '-'"
	}
	if why := plain(s, charsOf("-_./:=@+,~^ \t")); why != "" {
		return why
	}
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return "it is blank"
	}
	if prog := fields[0]; strings.Contains(prog, "/") && cleanAbsPath(prog) != "" {
		return fmt.Sprintf("the program %q is neither a name looked up in PATH nor an absolute clean path", prog)
	}
	return ""
}

// wordsLine is a service's command: one line split into words as a POSIX
// shell splits them, without expansion ('...', "..." and backslashes
// quote; no shell runs), the program a name found in PATH or an absolute
// clean path, never starting with '-'. A line break is refused: the words
// become a unit's ExecStart= line.
func wordsLine(s string) string {
	if why := plain(s, func(rune) bool { return true }); why != "" {
		return why
	}
	words, why := shellWords(s)
	switch {
	case why != "":
		return why
	case len(words) == 0:
		return "it is blank"
	case strings.HasPrefix(words[0], "-"):
		return "the program name starts with '-'"
	case strings.Contains(words[0], "/") && cleanAbsPath(words[0]) != "":
		return fmt.Sprintf("the program %q is neither a name looked up in PATH nor an absolute clean path", words[0])
	}
	return ""
}

// shellWords splits s like the helper does (runner/host/services/argv.go): blanks
// separate words, '...' keeps everything, "..." keeps everything but a
// backslash before \ " $ or `, a backslash outside quotes keeps the next
// character. It returns why s cannot be split (an unterminated quote).
func shellWords(s string) ([]string, string) {
	var words []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if in {
				words, in = append(words, cur.String()), false
				cur.Reset()
			}
			continue
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, "a ' quote is not closed"
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) && strings.IndexByte("\\\"$`", s[j+1]) >= 0 {
					j++
				}
				cur.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, "a \" quote is not closed"
			}
			i = j
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		default:
			cur.WriteByte(c)
		}
		in = true
	}
	if in {
		words = append(words, cur.String())
	}
	return words, ""
}

func shellLine(s string) string { return plain(s, func(rune) bool { return true }) }

func singleLine(s string) string { return plain(s, func(rune) bool { return true }) }

func regexpLine(s string) string {
	if why := singleLine(s); why != "" {
		return why
	}
	if _, err := regexp.Compile(s); err != nil {
		return err.Error() + " (drover uses Go's RE2 syntax)"
	}
	return ""
}

// hostPort is HOST:PORT with HOST an IPv4 address or a host name, or
// [IPv6]:PORT.
func hostPort(s string) string {
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" && ap.Port() > 0 {
		return ""
	}
	host, port, ok := strings.Cut(s, ":")
	if !ok || hostName(host) != "" || portWord(port) != "" {
		return "write HOST:PORT, HOST an address or a host name and PORT 1..65535"
	}
	return ""
}

func portWord(s string) string {
	p, err := strconv.Atoi(s)
	if err != nil || p < minPort || p > maxPort || strconv.Itoa(p) != s {
		return "the port is not 1..65535"
	}
	return ""
}

func backendAddr(s string) string {
	if strings.Count(s, ":") == 2 {
		name, rest, _ := strings.Cut(s, ":")
		if !validName(blockServer, name) {
			return "the name must start with a letter and hold only letters, digits, '_' and '-'"
		}
		s = rest
	}
	return hostPort(s)
}

func portSpec(s string) string {
	a, b, pair := strings.Cut(s, ":")
	if portWord(a) != "" || pair && portWord(b) != "" {
		return "write PORT or SERVERPORT:PORT, each 1..65535"
	}
	return ""
}

func durationWord(s string) string {
	if why := plain(s, charsOf(".")); why != "" {
		return why
	}
	if _, err := time.ParseDuration(s); err != nil {
		return "it must be a duration with a unit, such as \"10s\", \"1m30s\" or \"500ms\""
	}
	return ""
}

func octalMode(s string) string {
	if !validMode(s) {
		return "write it as a string of octal digits"
	}
	return ""
}

var sizeRE = regexp.MustCompile(`^[0-9]+[KMGkmg]?$`)

func size(s string) string {
	if !sizeRE.MatchString(s) {
		return "write a number, optionally followed by K, M or G"
	}
	return ""
}

func version(s string) string {
	if !alnum(rune(s[0])) {
		return "it must start with a letter or digit"
	}
	return plain(s, charsOf("-_.+~"))
}

// imageRefRE is the OCI distribution grammar of an image reference, as
// podman and docker parse it: an optional registry (a host name with an
// optional port), lower-case path components separated by '/', each of
// alphanumerics joined by '.', '_', '__' or dashes, an optional tag and an
// optional sha256 digest.
var imageRefRE = regexp.MustCompile(`^` +
	`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?/)?` +
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
	`(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?` +
	`(?:@sha256:[a-f0-9]{64})?$`)

// imageRef accepts a container image reference (it becomes one argument
// of podman's or docker's argv, never a path drover opens).
func imageRef(s string) string {
	if why := plain(s, charsOf("-._/:@")); why != "" {
		return why
	}
	if len(s) > 255 || !imageRefRE.MatchString(s) {
		return "write [REGISTRY/]NAME[:TAG] with a lower-case name of letters, digits and '.', '_', '-' separated by '/'"
	}
	return ""
}

// sshHost accepts what ssh takes as a destination: an IP address, a host
// name or an ssh_config Host alias (no user, port or spaces).
func sshHost(s string) string {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return ""
	}
	if why := plain(s, charsOf("-._")); why != "" {
		return why + "; write an address, a host name or an ssh_config Host alias (the user and port are separate settings)"
	}
	return hostNameStart(s)
}

// hostNameStart refuses a name that ssh would read as an option ('-') or
// that no resolver takes ('.').
func hostNameStart(s string) string {
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, ".") {
		return "it starts with '-' or '.'"
	}
	return ""
}

// ipLike tells whether a server's address is written as an IP address
// (holding ':', '/' or '%', or dotted labels all numeric but perhaps the
// last: "198.51.100.300", "198.51.100.x"), so that a mistyped address is
// reported as one instead of being taken for a host name.
func ipLike(s string) bool {
	if strings.ContainsAny(s, ":/%") {
		return true
	}
	labels := strings.Split(s, ".")
	if len(labels) == 1 {
		return s != "" && strings.Trim(s, "0123456789") == ""
	}
	for _, l := range labels[:len(labels)-1] {
		if l == "" || strings.Trim(l, "0123456789") != "" {
			return false
		}
	}
	return true
}

// serverAddressProblem checks a server's address: an IP address, or a host
// name or ssh_config Host alias drover connects to (sshHost).
func serverAddressProblem(s, attr, example string) problem {
	if ipLike(s) {
		return ipProblem(s, attr, example)
	}
	why := plain(s, charsOf("-._"))
	if why == "" {
		why = hostNameStart(s)
	}
	if why != "" {
		return problem{"Invalid server address", fmt.Sprintf(
			"%s = %q is not an IP address, a host name or an ssh_config Host alias (letters, digits, '.', '-', '_'; the user and port are ssh settings): %s. Write for example %s = \"198.51.100.1\" or %s = \"web1.example.com\".",
			attr, s, why, attr, attr)}
	}
	return problem{}
}

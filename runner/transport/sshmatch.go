package transport

import (
	"bytes"
	"fmt"
	"os"
	"os/user"
	"strings"

	"github.com/kevinburke/ssh_config"
)

// An ssh_config file is read as sections: runs of Host blocks, which the
// ssh_config package matches, and Match blocks, which drover evaluates
// itself. Match evaluates the criteria all, host, originalhost, user and
// localuser (each may be negated with '!'); a block with any other
// criterion (exec above all: drover never runs a command from
// ssh_config) is skipped, with one warning naming its file and line.

// sshSection is a run of Host blocks (match nil) or one Match block, whose
// body is decoded as the body of "Host *".
type sshSection struct {
	cfg   *ssh_config.Config
	match []matchCriterion
}

// matchCriterion is one criterion of a Match line: "host" and its
// pattern list, negated with a leading '!'.
type matchCriterion struct {
	name     string // lower case: all, host, originalhost, user, localuser
	negate   bool
	patterns string
}

// sshQuery is what a lookup matches against: the alias as written and the
// remote user when the configuration sets it (else ssh_config's User, else
// user).
type sshQuery struct {
	alias   string
	user    string
	userSet bool
}

// supportedMatch are the criteria drover evaluates; "all" takes no
// argument, the others a pattern list.
var supportedMatch = map[string]bool{"all": true, "host": true, "originalhost": true, "user": true, "localuser": true}

// parseSections splits the file text into sections. Each section is
// decoded from a copy of the text with every line outside it blanked, so
// positions in the ssh_config package's errors stay those of the file.
// Skipped Match blocks add a warning "PATH:LINE: ...".
func parseSections(path string, text []byte) ([]sshSection, []string, error) {
	lines := bytes.Split(text, []byte("\n"))
	type span struct {
		start, end int // lines [start, end)
		match      []matchCriterion
		skip       bool
	}
	var spans []span
	var warnings []string
	for i, line := range lines {
		kw, rest := keyword(string(line))
		switch {
		case strings.EqualFold(kw, "match"):
			crit, why, err := parseMatch(rest)
			if err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
			}
			if why != "" {
				warnings = append(warnings, fmt.Sprintf("%s:%d: %s; the Match block is skipped", path, i+1, why))
			}
			spans = append(spans, span{start: i, match: crit, skip: why != ""})
		case strings.EqualFold(kw, "host") && (len(spans) == 0 || spans[len(spans)-1].match != nil || spans[len(spans)-1].skip):
			spans = append(spans, span{start: i})
		case len(spans) == 0:
			spans = append(spans, span{start: i})
		}
		spans[len(spans)-1].end = i + 1
	}
	var out []sshSection
	for _, sp := range spans {
		if sp.skip {
			continue
		}
		chunk := make([][]byte, len(lines))
		copy(chunk[sp.start:sp.end], lines[sp.start:sp.end])
		if sp.match != nil {
			chunk[sp.start] = []byte("Host *")
		}
		cfg, err := ssh_config.DecodeBytes(bytes.Join(chunk, []byte("\n")))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, sshSection{cfg: cfg, match: sp.match})
	}
	return out, warnings, nil
}

// keyword splits an ssh_config line into its keyword and the rest
// ("" for blank and comment lines); the keyword ends at white space or '='.
func keyword(line string) (string, string) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", ""
	}
	end := strings.IndexAny(line, " \t=")
	if end < 0 {
		return line, ""
	}
	rest := strings.TrimLeft(line[end:], " \t")
	rest = strings.TrimPrefix(rest, "=")
	return line[:end], strings.TrimSpace(rest)
}

// parseMatch parses the criteria of a Match line. why says why the block
// cannot be evaluated (a criterion drover does not evaluate); err is a
// malformed line, which ssh refuses too.
func parseMatch(rest string) (crit []matchCriterion, why string, err error) {
	if i := strings.Index(rest, "#"); i >= 0 {
		rest = rest[:i]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return nil, "", fmt.Errorf("Match needs at least one criterion (all, host, originalhost, user, localuser)")
	}
	for i := 0; i < len(fields); i++ {
		c := matchCriterion{name: strings.ToLower(fields[i])}
		c.name, c.negate = strings.CutPrefix(c.name, "!")
		if !supportedMatch[c.name] {
			if c.name == "exec" {
				return nil, "Match exec is not evaluated (drover never runs a command from ssh_config)", nil
			}
			return nil, fmt.Sprintf("Match %s is not evaluated (drover evaluates all, host, originalhost, user and localuser)", c.name), nil
		}
		if c.name != "all" {
			if i+1 >= len(fields) {
				return nil, "", fmt.Errorf("Match %s needs a pattern list", c.name)
			}
			i++
			c.patterns = strings.Trim(fields[i], `"`)
		}
		crit = append(crit, c)
	}
	return crit, "", nil
}

// currentUser is the local user's login name, for Match localuser.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// matches tells whether the Match section si of file fi applies to q:
// every criterion holds. host is the HostName set before the block (or
// the alias), user the configuration's user, else the User set before the
// block, else q.user.
func (sc *SSHConfig) matches(fi, si int, q sshQuery) bool {
	for _, c := range sc.files[fi].sections[si].match {
		var ok bool
		switch c.name {
		case "all":
			ok = true
		case "host":
			host := q.alias
			if v, _ := sc.lookupUntil(q, "HostName", fi, si); v != "" {
				host = strings.ReplaceAll(v, "%h", q.alias)
			}
			ok = matchPatternList(strings.ToLower(host), strings.ToLower(c.patterns))
		case "originalhost":
			ok = matchPatternList(strings.ToLower(q.alias), strings.ToLower(c.patterns))
		case "user":
			u := q.user
			if v, _ := sc.lookupUntil(q, "User", fi, si); v != "" && !q.userSet {
				u = v
			}
			ok = matchPatternList(u, c.patterns)
		case "localuser":
			ok = matchPatternList(sc.localUser, c.patterns)
		}
		if ok == c.negate {
			return false
		}
	}
	return true
}

// matchPatternList is OpenSSH's pattern list: comma-separated patterns
// with '*' and '?'; it matches when a pattern matches and no negated
// ('!') one does.
func matchPatternList(s, list string) bool {
	found := false
	for _, p := range strings.Split(list, ",") {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		if !wildcard(s, p) {
			continue
		}
		if neg {
			return false
		}
		found = true
	}
	return found
}

// wildcard matches s against p, where '*' is any run of characters and
// '?' any one character.
func wildcard(s, p string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if wildcard(s[i:], p[1:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		s, p = s[1:], p[1:]
	}
	return s == ""
}

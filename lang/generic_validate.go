package lang

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// checkItem checks one item's settings, reads its source file and checks
// its template; false when the item cannot be used.
func (l *loader) checkItem(d *genericDecl, inst *genericInstance, it *Item) bool {
	ok := true
	fail := func(attr, summary, format string, args ...any) {
		l.genericError(inst.ranges[attr], summary, fmt.Sprintf(format, args...))
		ok = false
	}
	s := it.Settings
	if p, has := s["path"]; has && !filepath.IsAbs(p) {
		fail("path", "Path is not absolute", "path = %q must be an absolute path, for example path = %q.", p, "/"+strings.TrimLeft(p, "./"))
	}
	if m, has := s["mode"]; has && !validMode(m) {
		fail("mode", "Invalid mode", "mode = %q is not an octal permission mode. Write it as a string of octal digits, for example mode = \"0640\".", m)
	}
	if o, has := s["owner"]; has && !validOwner(o) {
		fail("owner", "Invalid owner", "owner = %q is not USER or USER:GROUP. Write for example owner = \"www-data:www-data\".", o)
	}
	for _, attr := range []string{"uid", "gid"} {
		if !wholeNumber(inst.values[attr]) {
			fail(attr, "Invalid "+attr, "%s must be a whole number from 0, for example %s = 990.", attr, attr)
		}
	}
	if !l.checkKind(d, inst, it, fail) {
		ok = false
	}
	return ok
}

// checkKind holds the checks of each kind's own settings.
func (l *loader) checkKind(d *genericDecl, inst *genericInstance, it *Item, fail func(attr, summary, format string, args ...any)) bool {
	s := it.Settings
	oneOf := func(attr string, allowed ...string) {
		for _, a := range allowed {
			if s[attr] == a {
				return
			}
		}
		fail(attr, "Invalid "+attr, "%s = %q is not one of %s. Write for example %s = %q.", attr, s[attr], quoteAll(allowed), attr, allowed[0])
	}
	compiles := func(attr string) {
		if _, err := regexp.Compile(s[attr]); s[attr] != "" && err != nil {
			fail(attr, "Invalid regular expression", "%s = %q: %s. drover uses Go's RE2 syntax.", attr, s[attr], err)
		}
	}
	ok := true
	switch it.Kind {
	case KindFile:
		ok = l.readFileSource(inst, it, fail)
	case KindTemplate:
		ok = l.loadTemplate(d, inst, it, fail)
	case KindLine:
		oneOf("state", "present", "absent")
		compiles("regexp")
		compiles("insert_after")
		switch {
		case strings.ContainsAny(s["line"], "\r\n"):
			fail("line", "Invalid line", "line holds a newline; a line declaration manages exactly one line. Declare one line per line, or use a file.")
		case s["state"] == "present" && !inst.set["line"]:
			fail("path", "Missing line", "A line with state = \"present\" needs the line to write, for example line = \"PermitRootLogin no\".")
		case s["state"] == "absent" && s["line"] == "" && s["regexp"] == "":
			fail("state", "Missing regexp", "A line with state = \"absent\" needs regexp (or line) to say which lines to remove, for example regexp = \"^PermitRootLogin \".")
		}
	case KindPackage:
		oneOf("state", "present", "absent")
	case KindService:
		oneOf("state", "started", "stopped")
		oneOf("reload", "restart", "reload")
		if s["command"] != "" && s["state"] == "stopped" {
			fail("state", "Invalid state", "A service with a command is a daemon drover runs, so it is always started. Remove the service to stop it, or drop command to manage a service the system already has.")
		}
	case KindSysctl:
		if !regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_.\-/]*$`).MatchString(s["key"]) {
			fail("key", "Invalid sysctl key", "key = %q is not a sysctl key. Write it dotted, for example key = \"net.ipv4.ip_forward\".", s["key"])
		}
	}
	return ok
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func validMode(m string) bool {
	v, err := strconv.ParseUint(m, 8, 32)
	return err == nil && v <= 0o7777
}

func validOwner(o string) bool {
	user, group, hasGroup := strings.Cut(o, ":")
	if user == "" || strings.ContainsAny(o, " \t\n") || (hasGroup && group == "") {
		return false
	}
	return true
}

// readFileSource puts a file's source into its content.
func (l *loader) readFileSource(inst *genericInstance, it *Item, fail func(attr, summary, format string, args ...any)) bool {
	src := it.Settings["source"]
	if src == "" {
		return true
	}
	if inst.set["content"] {
		fail("source", "Both content and source", "A file takes its text from content or from source, not both. Remove one.")
		return false
	}
	path, data, err := l.readSource(it.DeclRange.Filename, src)
	if err != nil {
		fail("source", "Cannot read source", "Reading %s failed: %s. source is relative to the folder of the file that declares it.", path, err)
		return false
	}
	it.Source = src
	it.Settings["content"] = string(data)
	return true
}

// loadTemplate reads and parses a template, and renders it once for each
// target server with placeholder facts, so that a wrong variable or a
// syntax error is reported now, naming the template file and line.
func (l *loader) loadTemplate(d *genericDecl, inst *genericInstance, it *Item, fail func(attr, summary, format string, args ...any)) bool {
	path, data, err := l.readSource(it.DeclRange.Filename, it.Settings["source"])
	if err != nil {
		fail("source", "Cannot read template", "Reading %s failed: %s. source is relative to the folder of the file that declares it.", path, err)
		return false
	}
	it.Source = path
	it.Settings["text"] = string(data)
	if err := CheckTemplate(path, string(data)); err != nil {
		l.templateError(d, inst, it, "", err)
		return false
	}
	c := l.generic.cluster
	for _, srv := range it.Servers {
		tdata := TemplateData(c, srv, it.Vars, PlaceholderFacts(c.Server(srv)))
		if _, err := RenderTemplate(path, string(data), tdata); err != nil {
			l.templateError(d, inst, it, srv, err)
			return false
		}
	}
	return true
}

// templateError reports a template error at the template file's line,
// naming the declaration that uses it.
func (l *loader) templateError(d *genericDecl, inst *genericInstance, it *Item, server string, err error) {
	file, line, col := TemplateErrorPos(err)
	rng := inst.ranges["source"]
	if file != "" {
		rng = hcl.Range{Filename: file, Start: hcl.Pos{Line: line, Column: max(col, 1)}, End: hcl.Pos{Line: line, Column: max(col, 1) + 1}}
	}
	detail := fmt.Sprintf("%s (declared at %s)", it.Address(), shortPos(d.block.DefRange))
	if server != "" {
		detail += fmt.Sprintf(", rendering for server %q", server)
	}
	detail += ": " + err.Error() + ". Templates are Go text/template; they read .vars, .server, .servers and .facts."
	l.genericError(rng, "Template error", detail)
}

// genericError reports a problem once, however many instances share it.
func (l *loader) genericError(rng hcl.Range, summary, detail string) {
	key := fmt.Sprintf("%s:%d:%d %s %s", rng.Filename, rng.Start.Line, rng.Start.Column, summary, detail)
	if l.generic.reported == nil {
		l.generic.reported = map[string]bool{}
	}
	if l.generic.reported[key] {
		return
	}
	l.generic.reported[key] = true
	l.errorf(rng, nil, summary, "%s", detail)
}

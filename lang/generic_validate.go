package lang

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// checkItem checks one item's settings through its type's Check (which
// reads its source file or checks its template); false when the item
// cannot be used.
func (l *loader) checkItem(d *genericDecl, inst *genericInstance, it *Item) bool {
	c := &ItemCheck{l: l, d: d, inst: inst, it: it, ok: true}
	if d.ik.Check != nil {
		d.ik.Check(c)
	}
	return c.ok
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

package templates

import (
	"fmt"
	"strings"
	"text/template"
)

// The functions templates use around values that come from a
// configuration. lang's grammars already reject anything these functions
// would have to quote, so for a valid configuration they change nothing;
// they are the second line: a value that reached a template unchecked is
// quoted where the daemon's grammar allows quoting, and makes rendering
// fail where it does not, so it can never add a directive.
var funcs = template.FuncMap{
	"part":   part,
	"words":  words,
	"arg":    arg,
	"script": script,
	"line":   line,
}

// plainRune is a character no daemon config drover renders gives a
// meaning (no quote, comment, separator, block or variable syntax).
func plainRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:/@+,=~*[]-", r)
}

// unknown is host.Unknown, the marker of a fact not known before apply
// (an offline plan's interface names and MTUs): it passes as a plain part.
const unknown = "\x00(known after apply)"

func isPlain(s string) bool {
	s = strings.ReplaceAll(s, unknown, "x")
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !plainRune(r) }) < 0
}

// part is a piece of a token ("ADDRESS" in "ADDRESS:PORT", a name): it
// renders as it is when plain, else rendering fails.
func part(v any) (string, error) {
	s := fmt.Sprint(v)
	if !isPlain(s) {
		return "", fmt.Errorf("%q cannot be rendered safely (only letters, digits and %q)", s, "._:/@+,=~*[]-")
	}
	return s, nil
}

// words is space-separated parts ("198.51.100.1:443 ssl").
func words(v any) (string, error) {
	s := fmt.Sprint(v)
	for _, w := range strings.Split(strings.ReplaceAll(s, unknown, "x"), " ") {
		if _, err := part(w); err != nil {
			return "", err
		}
	}
	return s, nil
}

// arg is a whole argument of an nginx or haproxy directive: as it is when
// plain, else in double quotes with '\' and '"' escaped. A line break, a
// NUL, '$' (expanded inside quotes by both) or a single quote fails.
func arg(v any) (string, error) {
	s := fmt.Sprint(v)
	if isPlain(s) {
		return s, nil
	}
	if strings.ContainsAny(strings.ReplaceAll(s, unknown, ""), "\n\r\x00$'") {
		return "", fmt.Errorf("%q cannot be rendered safely: it holds a line break, a NUL, '$' or '\\''", s)
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`, nil
}

// script is the inside of keepalived's script "...": keepalived has no
// escapes, so a '"', a comment character or a line break fails.
func script(v any) (string, error) {
	s := fmt.Sprint(v)
	if strings.ContainsAny(strings.ReplaceAll(s, unknown, ""), "\"\\\n\r\x00#!") {
		return "", fmt.Errorf("%q cannot be rendered inside keepalived's quotes", s)
	}
	return s, nil
}

// line is text on one line (a comment): a line break or NUL fails.
func line(v any) (string, error) {
	s := fmt.Sprint(v)
	if strings.ContainsAny(strings.ReplaceAll(s, unknown, ""), "\n\r\x00") {
		return "", fmt.Errorf("%q cannot be rendered on one line", s)
	}
	return s, nil
}

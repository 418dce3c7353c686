package main

import (
	"io"
	"os"
)

// palette paints text with ANSI colours, or leaves it alone when colour
// is off (the zero palette).
type palette struct{ on bool }

func (p palette) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) green(s string) string  { return p.paint("32", s) }
func (p palette) yellow(s string) string { return p.paint("33", s) }
func (p palette) red(s string) string    { return p.paint("31", s) }
func (p palette) cyan(s string) string   { return p.paint("36", s) }
func (p palette) bold(s string) string   { return p.paint("1", s) }

// colorFor decides colour for one output: on for a terminal, off when
// piped, with -no-color or with NO_COLOR set (https://no-color.org);
// CLICOLOR_FORCE=1 turns it on anywhere else (CI logs that render it).
func (e *env) colorFor(w io.Writer) palette {
	if e.noColor || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return palette{}
	}
	if os.Getenv("CLICOLOR_FORCE") == "1" {
		return palette{on: true}
	}
	return palette{on: isTerminal(w)}
}

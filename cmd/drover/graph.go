package main

import (
	"strings"

	"github.com/drover/drover/runner"
)

func cmdGraph(e *env, args []string) int {
	f := newFlags(e, "graph").withVars()
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	c := load(e, dir, f, false)
	if c == nil {
		return 1
	}
	g, err := runner.DesiredGraph(c)
	if err != nil {
		return fail(e, err)
	}
	hostOf := func(id string) string { h, _, _ := strings.Cut(id, ":"); return h }
	label := func(id string) string { _, r, _ := strings.Cut(id, ":"); return display(r) }
	if err := g.DOT(e.stdout, label, hostOf); err != nil {
		return fail(e, err)
	}
	return 0
}

package main

import (
	"fmt"
	"strings"

	"github.com/drover/drover/runner"
)

func cmdGraph(e *env, args []string) int {
	f := newFlags(e, "graph").withVars()
	pos, err := f.parse(args)
	if err != nil {
		return 1
	}
	dir, err := dirArg(pos)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return 1
	}
	c := load(e, dir, f, false)
	if c == nil {
		return 1
	}
	g, err := runner.DesiredGraph(c)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return 1
	}
	hostOf := func(id string) string { h, _, _ := strings.Cut(id, ":"); return h }
	label := func(id string) string { _, r, _ := strings.Cut(id, ":"); return display(r) }
	if err := g.DOT(e.stdout, label, hostOf); err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return 1
	}
	return 0
}

package main

import (
	"fmt"
	"strings"

	"github.com/drover/drover/modules"
	"github.com/drover/drover/runner"
)

func cmdGraph(e *env, args []string) int {
	f := newFlags(e, "graph").withVars()
	typ := f.String("type", "resources", "resources (the dependency graph, a cluster per host) or topology (servers, networks, tunnels, VIPs, balancers, jobs)")
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	if *typ != "resources" && *typ != "topology" {
		return fail(e, fmt.Errorf("-type %q: write resources or topology", *typ))
	}
	c := load(e, dir, f, false)
	if c == nil {
		return 1
	}
	if *typ == "topology" {
		writeTopology(e.stdout, c)
		return 0
	}
	desired, err := modules.Expand(c, nil)
	if err != nil {
		return fail(e, err)
	}
	g, err := runner.DesiredGraph(c, desired)
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

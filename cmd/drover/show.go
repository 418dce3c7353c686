package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/runner"
)

// showFunc prints one kind of `drover show`; pos is what follows the kind.
type showFunc func(e *env, f *flags, rf runFlags, pos []string) int

// showKinds are the kinds of `drover show KIND [DIR]`, the seeds' list and
// show commands, each with what it prints.
func showKinds() map[string]struct {
	summary string
	run     showFunc
} {
	type kind = struct {
		summary string
		run     showFunc
	}
	kinds := map[string]kind{
		"networks":  {"networks and container subnets, members and live state (listnetworks)", cmdShowNetworks},
		"bgp":       {"SERVER: BGP peers with state and the routes it knows (showbgp)", cmdShowBGP},
		"items":     {"host declarations per server: in sync or what apply would do", cmdShowItems},
		"jobs":      {"job instances: servers, addresses, versions, health (listjobs)", cmdShowJobs},
		"discovery": {"declared services, their instances and health (services)", cmdShowDiscovery},
		"services":  {"daemons drover runs, with their status", cmdShowDaemons},
	}
	for typ, sk := range modules.Kinds().ShowKinds() {
		kinds[sk.Command] = kind{sk.Summary,
			func(e *env, f *flags, rf runFlags, pos []string) int { return cmdShowDecls(e, f, rf, typ, sk, pos) }}
	}
	return kinds
}

// cmdShow prints declared and live state, like the seeds' list commands.
func cmdShow(e *env, args []string) int {
	f := newFlags(e, "show").withVars()
	rf := addRunFlags(f)
	planFile := f.String("plan", "", "show the plan saved in `FILE` by plan -out instead of a kind")
	format := f.String("format", "text", "with -plan: text, json or markdown (a pull-request comment)")
	pos, err := f.parse(args)
	if err != nil {
		return 1
	}
	if *planFile != "" {
		return showPlan(e, *planFile, *format, pos)
	}
	kinds := showKinds()
	if len(pos) == 0 {
		showUsage(e, kinds)
		return 1
	}
	k, ok := kinds[pos[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "Error: drover show does not know %q.\n", pos[0])
		if s := suggestCommand(pos[0], slices.Sorted(maps.Keys(kinds))); s != "" {
			fmt.Fprintf(e.stderr, "Did you mean %q?\n", s)
		}
		fmt.Fprintln(e.stderr)
		showUsage(e, kinds)
		return 1
	}
	return k.run(e, f, rf, pos[1:])
}

// showPlan is `drover show -plan FILE [-format text|json|markdown]`.
func showPlan(e *env, path, format string, pos []string) int {
	if len(pos) > 0 {
		return fail(e, fmt.Errorf("drover show -plan FILE takes no kind or folder, got %s", strings.Join(pos, " ")))
	}
	sp, err := readSavedPlan(path)
	if err != nil {
		return fail(e, err)
	}
	switch format {
	case "text":
		printPlan(e.stdout, sp.Plan, e.colorFor(e.stdout))
	case "json":
		writeJSON(e, toJSONPlan(sp.Plan))
	case "markdown":
		printPlanMarkdown(e.stdout, sp.Plan)
	default:
		return fail(e, fmt.Errorf("-format %q: write text, json or markdown", format))
	}
	return 0
}

func showUsage(e *env, kinds map[string]struct {
	summary string
	run     showFunc
}) {
	fmt.Fprintln(e.stderr, "Usage: drover show KIND [DIR]")
	fmt.Fprintln(e.stderr, "\nKinds:")
	printShowKinds(e.stderr)
	fmt.Fprintln(e.stderr, "\n`drover show -h` describes the flags.")
}

// printShowKinds lists the kinds of drover show with what each prints.
func printShowKinds(w io.Writer) {
	kinds := showKinds()
	for _, name := range slices.Sorted(maps.Keys(kinds)) {
		fmt.Fprintf(w, "  %-12s %s\n", name, kinds[name].summary)
	}
}

// cmdShowNetworks is `drover show networks [DIR]`.
func cmdShowNetworks(e *env, f *flags, rf runFlags, pos []string) int {
	dir, err := dirArg(pos)
	if err != nil {
		return fail(e, err)
	}
	c, s, ctx, done, ok := openLive(e, f, rf, dir)
	if !ok {
		return 1
	}
	defer done()
	rows := s.NetworkRows(ctx, c)
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "networks": rows})
		return 0
	}
	printNetworks(e.stdout, rows)
	return 0
}

// networkRow is one member of one network, declared and live.
type networkRow = core.NetworkRow

// openLive loads DIR and opens a quiet session to its servers for a show
// command; done closes it. ok is false when it already said why not.
func openLive(e *env, f *flags, rf runFlags, dir string) (*lang.Cluster, *runner.Session, context.Context, func(), bool) {
	c := load(e, dir, f, *rf.asJSON)
	if c == nil {
		return nil, nil, nil, nil, false
	}
	if err := checkLimit(c, rf); err != nil {
		fail(e, err)
		return nil, nil, nil, nil, false
	}
	opts, err := options(e, dir, rf)
	if err != nil {
		fail(e, err)
		return nil, nil, nil, nil, false
	}
	opts.Progress = nil
	ctx, cancel := signalContext()
	s := runner.Open(ctx, c, opts)
	// Servers named by host name show the addresses learned from facts.
	learned, _ := modules.LearnAddresses(c, s.Facts())
	for _, srv := range learned.Servers {
		if strings.HasPrefix(srv.Address, "\x00") { // not learned: unreachable, or nothing to learn
			srv.Address = ""
		}
	}
	return learned, s, ctx, func() { s.Close(); cancel() }, true
}

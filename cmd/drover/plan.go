package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/runner"
)

func cmdPlan(e *env, args []string) int {
	f := newFlags(e, "plan").withVars()
	rf := addRunFlags(f)
	offline := f.Bool("offline", false, "plan from the configuration alone, without connecting")
	detailed := f.Bool("detailed-exitcode", false, "exit 0 when nothing changes, 2 when something would, 1 on error")
	out := f.String("out", "", "save the plan to `FILE` for drover apply FILE")
	destroy := f.Bool("destroy", false, "plan the removal of everything drover made")
	hold := f.Int("hold", runner.PlanHoldDefault, "keep at most `N` hosts connected between their facts and their plan; beyond, each logs in again for its plan (0 = keep all)")
	format := f.String("format", "text", "text, json (as -json) or markdown (a pull-request comment)")
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	switch *format {
	case "json":
		*rf.asJSON = true
	case "text", "markdown":
	default:
		return fail(e, fmt.Errorf("-format %q: write text, json or markdown", *format))
	}
	if *offline && *out != "" {
		fmt.Fprintln(e.stderr, "Error: -out cannot be used with -offline: an offline plan has not read the hosts, so apply could not check it. Drop -offline to save a plan.")
		return 1
	}
	defer planGC()() // gc.go
	c := load(e, dir, f, *rf.asJSON)
	if c == nil {
		return 1
	}
	if err := checkLimit(c, rf); err != nil {
		return fail(e, err)
	}
	var p *runner.Plan
	var err error
	var notes map[string][]string
	if *offline {
		desired, err := modules.Expand(c, nil)
		if err != nil {
			return fail(e, err)
		}
		p = runner.OfflinePlan(c, desired, rf.limits())
	} else {
		opts, err := options(e, dir, rf)
		if err != nil {
			return fail(e, err)
		}
		// Without -out no apply follows: it needs neither the verify
		// checks (for an apply of a saved plan) nor the no-ops (which
		// the fingerprint covers).
		showOnly := *out == ""
		if showOnly {
			opts.Expand = modules.ExpandResources
		}
		opts.ShowOnly = showOnly
		// The desired state expands a batch of -parallel hosts at a time,
		// and a large fleet logs in twice instead of holding every host.
		opts.HoldAtMost = *hold
		opts.Stream = func(c *lang.Cluster, facts map[string]*core.Facts) runner.HostsExpander {
			return modules.NewStream(c, facts, showOnly)
		}
		// Where each host's desired state reads a few servers' facts, each
		// host is planned once those are in, on its one login.
		opts.FactScope = modules.FactScope

		ctx, cancel := signalContext()
		defer cancel()
		s := runner.Open(ctx, c, opts)
		defer s.Close()
		if p, err = s.Plan(ctx, *destroy); err != nil {
			return fail(e, err)
		}
		notes = s.RevertNotes()
		if !*rf.asJSON {
			notesTo := e.stdout
			if *format != "text" {
				notesTo = e.stderr
			}
			printRevertNotes(notesTo, s)
		}
	}
	if p.ConfigHash, err = configHash(dir); err != nil {
		return fail(e, err)
	}
	switch {
	case *rf.asJSON:
		jp := toJSONPlan(p)
		for i := range jp.Hosts {
			jp.Hosts[i].Notes = notes[jp.Hosts[i].Host]
		}
		writeJSON(e, jp)
	case *format == "markdown":
		printPlanMarkdown(e.stdout, p)
	default:
		printPlan(e.stdout, p, e.colorFor(e.stdout))
	}
	if *out != "" {
		if err := savePlan(*out, dir, rf.limits(), p); err != nil {
			return fail(e, err)
		}
		if !*rf.asJSON && *format == "text" {
			fmt.Fprintf(e.stdout, "\nSaved the plan to %s. To make exactly these changes, run: drover apply %s\n", *out, *out)
		}
	}
	switch {
	case len(p.Failed()) > 0:
		return 1
	case *detailed && p.HasChanges():
		return 2
	}
	return 0
}

func savePlan(path, dir string, limit []string, p *runner.Plan) error {
	if p.Offline {
		return fmt.Errorf("an offline plan cannot be saved for apply: it has not read the hosts")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(savedPlan{FormatVersion: runner.FormatVersion, Dir: abs, Limit: limit, Plan: p}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

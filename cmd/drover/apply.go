package main

import (
	"fmt"

	"github.com/drover/drover/runner"
)

func cmdApply(e *env, args []string) int {
	return applyOrDestroy(e, "apply", args)
}

func cmdDestroy(e *env, args []string) int {
	return applyOrDestroy(e, "destroy", args)
}

// applyOrDestroy plans, asks (unless -auto-approve), applies, verifies and
// prints a recap. With a saved plan file, the hosts must still be in the
// state the plan saw, and the configuration unchanged.
func applyOrDestroy(e *env, name string, args []string) int {
	f := newFlags(e, name).withVars()
	rf := addRunFlags(f)
	auto := f.Bool("auto-approve", false, "do not ask for confirmation")
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	var saved *savedPlan
	var err error
	if name == "apply" && isPlanFile(dir) {
		if saved, err = readSavedPlan(dir); err != nil {
			return fail(e, err)
		}
		dir, *rf.limit = saved.Dir, joinComma(saved.Limit)
		*auto = true // the saved plan was the review
	}
	c := load(e, dir, f, *rf.asJSON)
	if c == nil {
		return 1
	}
	if err := checkLimit(c, rf.limits()); err != nil {
		return fail(e, err)
	}
	opts, err := options(e, dir, rf)
	if err != nil {
		return fail(e, err)
	}
	ctx, cancel := signalContext()
	defer cancel()
	s := runner.Open(ctx, c, opts)
	defer s.Close()
	s.Lock(ctx)
	p, err := s.Plan(ctx, name == "destroy")
	if err != nil {
		return fail(e, err)
	}
	if saved != nil {
		if err := checkStale(dir, saved, p); err != nil {
			return fail(e, err)
		}
	}
	if !*rf.asJSON {
		printPlan(e.stdout, p)
	}
	if p.HasChanges() && !*auto && !confirm(e, fmt.Sprintf("Do you want to %s these changes?", name)) {
		fmt.Fprintf(e.stdout, "%s cancelled.\n", name)
		return 1
	}
	res := s.Apply(ctx, p)
	if *rf.asJSON {
		writeJSON(e, map[string]any{"format_version": runner.FormatVersion, "plan": toJSONPlan(p), "result": res})
	} else {
		printRecap(e.stdout, res)
	}
	if res.Failed() {
		return 1
	}
	return 0
}

// checkStale refuses a saved plan when the configuration or any host
// changed since it was made.
func checkStale(dir string, saved *savedPlan, now *runner.Plan) error {
	hash, err := configHash(dir)
	if err != nil {
		return err
	}
	if hash != saved.Plan.ConfigHash {
		return fmt.Errorf("the configuration in %s changed since the plan was made: run drover plan again", dir)
	}
	was := map[string]string{}
	for _, h := range saved.Plan.Hosts {
		was[h.Host] = h.Fingerprint
	}
	for _, h := range now.Hosts {
		if h.Error == "" && was[h.Host] != h.Fingerprint {
			return fmt.Errorf("host %s changed since the plan was made: run drover plan again", h.Host)
		}
	}
	return nil
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}

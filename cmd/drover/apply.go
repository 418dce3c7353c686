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
	auto := f.Bool("auto-approve", false, "do not ask for confirmation (needed without a terminal)")
	rv := addRevertFlags(f)
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	if *rf.asJSON {
		e.stream = newStream(e.stdout)
		e.stream.version(name)
	}
	planFile := name == "apply" && isPlanFile(dir)
	if !*auto && !planFile && (*rf.asJSON || !isTerminal(e.stdin)) {
		way := "Pass -auto-approve, or review a saved plan first: drover plan -out FILE, then drover apply FILE"
		if *rf.asJSON {
			return fail(e, fmt.Errorf("drover %s -json cannot ask for approval: a prompt would break the JSON stream. %s", name, way))
		}
		if name == "destroy" {
			way = "Review it with drover plan -destroy, then run drover destroy -auto-approve"
		}
		return fail(e, fmt.Errorf("drover %s asks for approval, but there is no terminal to ask on.\n%s", name, way))
	}
	var saved *savedPlan
	var err error
	if planFile {
		if saved, err = readSavedPlan(dir); err != nil {
			return fail(e, err)
		}
		dir, *rf.limit = saved.Dir, joinComma(saved.Limit)
		*auto = true // the saved plan was the review
	}
	c, opts, ok := loadForRun(e, dir, f, rf, name == "destroy")
	if !ok {
		return 1
	}
	if e.stream != nil {
		opts.Events = e.stream.event
	}
	ctx, cancel := signalContext()
	defer cancel()
	opts.Lock = true // taken in the round trip that gathers the facts
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
	if e.stream != nil {
		e.stream.plan(p, name)
	} else {
		if name == "destroy" {
			fmt.Fprintln(e.stdout, "drover will destroy everything it made on these hosts, as read from their manifests:")
		}
		printPlan(e.stdout, p, e.colorFor(e.stdout))
	}
	if e.stream == nil {
		printRevertNotes(e.stdout, s)
	}
	if p.HasChanges() && !*auto && !confirm(e, approvalQuestion(name)) {
		fmt.Fprintf(e.stdout, "\n%s cancelled.\n", map[string]string{"apply": "Apply", "destroy": "Destroy"}[name])
		return 1
	}
	res := applyWithRevert(ctx, e, s, p, rv)
	if e.stream != nil {
		e.stream.recap(res, name)
	} else {
		printRecap(e.stdout, res, name == "destroy", e.colorFor(e.stdout))
	}
	if !keepOrRevert(ctx, e, s, dir, rv, res) || res.Failed() {
		return 1
	}
	return 0
}

// approvalQuestion is Terraform's question before apply or destroy.
func approvalQuestion(name string) string {
	if name == "destroy" {
		return "Do you really want to destroy all resources?\n" +
			"  drover will remove everything it made on these servers, as shown above.\n" +
			"  There is no undo."
	}
	return "Do you want to perform these actions?\n  drover will perform the actions described above."
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

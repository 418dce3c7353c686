package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/drover/drover/runner"
)

// revertFlags are apply's and destroy's -confirm and -rollback-on-failure.
type revertFlags struct {
	window   *time.Duration
	rollback *bool
}

func addRevertFlags(f *flags) revertFlags {
	return revertFlags{
		window: f.Duration("confirm", 0, "arm a revert on every changed host: unless `drover confirm` (or yes at the prompt)\n"+
			"comes within this time after apply and verify (2m, 30s), each host puts this apply back by itself"),
		rollback: f.Bool("rollback-on-failure", false, "when apply or verify fails, put this apply's changes back on every host (newest first)"),
	}
}

// applyWithRevert applies p with the revert record on (-confirm arms a
// revert first; -rollback-on-failure puts everything back when the run
// failed).
func applyWithRevert(ctx context.Context, e *env, s *runner.Session, p *runner.Plan, rv revertFlags) *runner.Result {
	switch {
	case *rv.window > 0:
		s.Arm(ctx, p, *rv.window)
	case *rv.rollback:
		s.OpenGeneration()
	}
	res := s.Apply(ctx, p)
	if res.Failed() && *rv.rollback {
		s.RollBack(ctx, res, runner.FailureReason(res))
	}
	if *rv.window > 0 && len(s.ArmedHosts()) > 0 {
		s.Rearm(ctx, res)
	}
	return res
}

// keepOrRevert ends an apply with a revert record: with -confirm it asks
// on a terminal whether to keep the changes (no: they are put back now)
// or says how long is left to run drover confirm; with only
// -rollback-on-failure a good apply closes the record. False when the
// changes were not kept.
func keepOrRevert(ctx context.Context, e *env, s *runner.Session, dir string, rv revertFlags, res *runner.Result) bool {
	if *rv.window <= 0 {
		if *rv.rollback && !res.Failed() {
			s.CloseGeneration(ctx, res)
		}
		return true
	}
	if len(s.ArmedHosts()) == 0 {
		return true
	}
	deadline := s.Deadline()
	if e.stream != nil {
		return true
	}
	when := deadline.UTC().Format("15:04:05 UTC")
	if isTerminal(e.stdin) {
		q := fmt.Sprintf("Keep these changes?\n  Unless you answer yes before %s, every changed host puts this apply back by itself.", when)
		if confirm(e, q) {
			return printConfirmed(e.stdout, s.Confirm(ctx, true))
		}
		s.RollBack(ctx, res, "not kept at the prompt")
		printRecap(e.stdout, res, false, e.colorFor(e.stdout))
		return false
	}
	fmt.Fprintf(e.stdout, "\nA revert is armed on %d host(s). Run `drover confirm %s` before %s to keep these changes;\notherwise each of those hosts puts this apply back by itself.\n",
		len(s.ArmedHosts()), dir, when)
	return true
}

// printRevertNotes says, before a plan, what hosts reverted by themselves
// and which still have a revert armed.
func printRevertNotes(w io.Writer, s *runner.Session) {
	notes := s.RevertNotes()
	for _, h := range s.Hosts() {
		for _, n := range notes[h.Name] {
			fmt.Fprintf(w, "Note: %s\n", n)
		}
	}
}

// printConfirmed prints each host's answer to a confirm; false when a host
// had already put itself back or could not be asked.
func printConfirmed(w io.Writer, results []runner.ConfirmResult) bool {
	good, kept := true, 0
	for _, r := range results {
		switch {
		case r.Error != "":
			fmt.Fprintf(w, "%s: %s\n", r.Host, r.Error)
			good = false
		case r.Confirmed != nil:
			kept++
			fmt.Fprintf(w, "%s: confirmed: the apply of %s stays (it was to be put back at %s)\n",
				r.Host, r.Confirmed.Started.UTC().Format("2006-01-02 15:04:05 UTC"), r.Confirmed.Deadline.UTC().Format("15:04:05 UTC"))
		case r.Reverted != nil:
			fmt.Fprintf(w, "%s: too late: %s\n", r.Host, runner.DescribeReport(r.Host, r.Reverted))
			good = false
		default:
			fmt.Fprintf(w, "%s: nothing armed\n", r.Host)
		}
	}
	fmt.Fprintf(w, "Confirmed on %d host(s).\n", kept)
	return good
}

// cmdConfirm is drover confirm [DIR]: disarm the revert an apply -confirm
// armed on every (limited) host, keeping that apply.
func cmdConfirm(e *env, args []string) int {
	f := newFlags(e, "confirm").withVars()
	rf := addRunFlags(f)
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	c, opts, ok := loadForRun(e, dir, f, rf, true)
	if !ok {
		return 1
	}
	ctx, cancel := signalContext()
	defer cancel()
	s := runner.Open(ctx, c, opts)
	defer s.Close()
	results := s.Confirm(ctx, false)
	good := true
	for _, h := range s.Hosts() {
		if h.Err != nil {
			results = append(results, runner.ConfirmResult{Host: h.Name, Error: "not confirmed: " + h.Err.Error()})
		}
	}
	if *rf.asJSON {
		writeJSON(e, results)
		for _, r := range results {
			good = good && r.Error == "" && (r.Confirmed != nil || r.Reverted == nil)
		}
	} else {
		good = printConfirmed(e.stdout, results)
	}
	if !good {
		return 1
	}
	return 0
}

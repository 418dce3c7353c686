package runner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// Changes that cannot lock you out: apply -confirm arms, on every host it
// changes, a revert that the host carries out by itself when the window
// runs out (runner/helper/revert.go); drover confirm disarms it. With
// -rollback-on-failure a failed apply or verify asks every host to put
// this apply's changes back at once. Both use the revert record each
// helper keeps for the apply's generation.

// revertState is the session's apply generation and what it armed.
type revertState struct {
	mu         sync.Mutex
	generation string
	window     time.Duration
	armed      map[string]*helper.Armed
}

// Generation returns the apply generation of this run ("" when none was
// opened).
func (s *Session) Generation() string {
	s.revert.mu.Lock()
	defer s.revert.mu.Unlock()
	return s.revert.generation
}

// OpenGeneration makes this run's apply record, on every host, what each
// change replaces, so that it can be put back (RollBack).
func (s *Session) OpenGeneration() string {
	s.revert.mu.Lock()
	defer s.revert.mu.Unlock()
	if s.revert.generation == "" {
		s.revert.generation = time.Now().UTC().Format(time.RFC3339Nano)
	}
	return s.revert.generation
}

// Arm opens the generation and arms a revert after window on every host
// with changes in p. A host that cannot arm it fails and is not changed.
func (s *Session) Arm(ctx context.Context, p *Plan, window time.Duration) {
	gen := s.OpenGeneration()
	s.revert.mu.Lock()
	s.revert.window, s.revert.armed = window, map[string]*helper.Armed{}
	s.revert.mu.Unlock()
	for _, hp := range p.Hosts {
		h := s.host(hp.Host)
		if hp.Error != "" || h == nil || h.Err != nil || !hostChanges(hp) {
			continue
		}
		resp, err := h.call(ctx, helper.Request{Op: helper.OpArm, Generation: gen, WindowMS: window.Milliseconds()}, nil)
		ev := Event{Type: EventArmed, Host: hp.Host, Generation: gen}
		if err != nil {
			hp.Error = "arming the revert: " + err.Error()
			ev.Error = err.Error()
			s.emit(ev)
			continue
		}
		s.setArmed(hp.Host, resp.Armed)
		ev.Deadline = resp.Armed.Deadline
		s.emit(ev)
		s.progress(hp.Host, "revert armed: the host puts this apply back at %s unless confirmed", clock(resp.Armed.Deadline))
	}
}

func hostChanges(hp *HostPlan) bool {
	for _, c := range hp.Changes {
		if c.Action != core.NoOp {
			return true
		}
	}
	return false
}

func (s *Session) setArmed(name string, a *helper.Armed) {
	s.revert.mu.Lock()
	defer s.revert.mu.Unlock()
	if a == nil {
		delete(s.revert.armed, name)
		return
	}
	s.revert.armed[name] = a
}

// Rearm gives every armed host the whole window again from now (after
// apply and verify, so the window is the time left to confirm), and
// returns the latest deadline. A host that no longer answers (the change
// cut it off) fails in res: it puts the apply back by itself.
func (s *Session) Rearm(ctx context.Context, res *Result) time.Time {
	var last time.Time
	for _, name := range s.armedHosts() {
		h := s.host(name)
		resp, err := h.call(ctx, helper.Request{Op: helper.OpArm, Generation: s.Generation(), WindowMS: s.revert.window.Milliseconds()}, nil)
		if err != nil {
			s.lostAfterChange(name, err, res)
			continue
		}
		s.setArmed(name, resp.Armed)
		s.emit(Event{Type: EventArmed, Host: name, Generation: resp.Armed.Generation, Deadline: resp.Armed.Deadline})
		if resp.Armed.Deadline.After(last) {
			last = resp.Armed.Deadline
		}
	}
	return last
}

// lostAfterChange records that an armed host stopped answering during or
// after its changes: it cannot be confirmed, and puts itself back.
func (s *Session) lostAfterChange(name string, err error, res *Result) {
	s.revert.mu.Lock()
	a := s.revert.armed[name]
	delete(s.revert.armed, name)
	s.revert.mu.Unlock()
	when := "at its deadline"
	if a != nil {
		when = "from " + clock(a.Deadline)
	}
	msg := fmt.Sprintf("lost contact after the changes (%v): this host cannot be confirmed and puts this apply back by itself %s", err, when)
	s.progress(name, "%s", msg)
	s.emit(Event{Type: EventArmed, Host: name, Generation: s.Generation(), Error: msg})
	for _, hr := range res.Hosts {
		if hr.Host == name {
			hr.Error = joinErr(hr.Error, msg)
		}
	}
}

// Armed names the hosts with a revert armed by this run.
func (s *Session) armedHosts() []string {
	s.revert.mu.Lock()
	defer s.revert.mu.Unlock()
	var names []string
	for n := range s.revert.armed {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Deadline is the latest deadline of the reverts this run armed.
func (s *Session) Deadline() time.Time {
	s.revert.mu.Lock()
	defer s.revert.mu.Unlock()
	var last time.Time
	for _, a := range s.revert.armed {
		if a != nil && a.Deadline.After(last) {
			last = a.Deadline
		}
	}
	return last
}

// ArmedHosts names the hosts with a revert armed by this run.
func (s *Session) ArmedHosts() []string { return s.armedHosts() }

// ConfirmResult is one host's answer to a confirm.
type ConfirmResult struct {
	Host string `json:"host"`
	// Confirmed is the revert that was disarmed (nil: none was armed).
	Confirmed *helper.Armed `json:"confirmed,omitempty"`
	// Reverted is set when the host had already put itself back.
	Reverted *helper.RevertReport `json:"reverted,omitempty"`
	Error    string               `json:"error,omitempty"`
}

// Confirm disarms the revert on every host (those this run armed, or, for
// drover confirm, every host reached) and closes the generation.
func (s *Session) Confirm(ctx context.Context, onlyArmed bool) []ConfirmResult {
	var mu sync.Mutex
	var out []ConfirmResult
	armed := map[string]bool{}
	for _, n := range s.armedHosts() {
		armed[n] = true
	}
	s.each(ctx, func(ctx context.Context, h *Host) error {
		if onlyArmed && !armed[h.Name] {
			return nil
		}
		r := ConfirmResult{Host: h.Name}
		resp, err := h.call(ctx, helper.Request{Op: helper.OpConfirm, Generation: s.Generation()}, nil)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.Confirmed, r.Reverted = resp.Armed, resp.Report
			if r.Confirmed == nil && r.Reverted != nil && onlyArmed {
				r.Error = "too late: " + DescribeReport(h.Name, r.Reverted)
			}
		}
		ev := Event{Type: EventConfirmed, Host: h.Name, Generation: s.Generation(), Error: r.Error}
		if r.Confirmed != nil {
			ev.Generation = r.Confirmed.Generation
		}
		if r.Confirmed != nil || r.Error != "" {
			s.emit(ev)
		}
		s.setArmed(h.Name, nil)
		mu.Lock()
		out = append(out, r)
		mu.Unlock()
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out
}

// CloseGeneration ends the revert record of a good apply that armed
// nothing (-rollback-on-failure alone) on every host it changed.
func (s *Session) CloseGeneration(ctx context.Context, res *Result) {
	changed := map[string]bool{}
	for _, hr := range res.Hosts {
		changed[hr.Host] = len(hr.Applied) > 0
	}
	s.each(ctx, func(ctx context.Context, h *Host) error {
		if changed[h.Name] {
			if _, err := h.call(ctx, helper.Request{Op: helper.OpConfirm, Generation: s.Generation()}, nil); err != nil {
				s.progress(h.Name, "closing the revert record: %v", err)
			}
		}
		return nil
	})
}

// RollBack asks every host this apply changed to put the apply's changes
// back now, newest first, and records what each put back and why.
func (s *Session) RollBack(ctx context.Context, res *Result, reason string) {
	byHost := map[string]*HostResult{}
	for _, hr := range res.Hosts {
		if len(hr.Applied) > 0 || len(hr.FailedResources) > 0 {
			byHost[hr.Host] = hr
		}
	}
	s.each(ctx, func(ctx context.Context, h *Host) error {
		hr := byHost[h.Name]
		if hr == nil {
			return nil
		}
		s.progress(h.Name, "rolling back this apply: %s", reason)
		resp, err := h.call(ctx, helper.Request{Op: helper.OpRevert, Generation: s.Generation(), Reason: reason}, nil)
		s.setArmed(h.Name, nil)
		hr.RollbackReason = reason
		if resp.Report != nil {
			for _, st := range resp.Report.Steps {
				ev := Event{Type: EventRevert, Host: h.Name, Action: st.Action, ID: DisplayID(st.ID), Reason: reason, Error: st.Error}
				s.emit(ev)
				if st.Error != "" {
					hr.Error = joinErr(hr.Error, fmt.Sprintf("%s: could not put it back: %s", st.ID, st.Error))
					continue
				}
				hr.RolledBack = append(hr.RolledBack, st.ID)
			}
		}
		if err != nil {
			hr.Error = joinErr(hr.Error, "rolling back: "+err.Error())
		}
		return nil
	})
}

// FailureReason says why a run failed, for a rollback: the failed checks
// and changes, host by host.
func FailureReason(res *Result) string {
	var parts []string
	for _, hr := range res.Hosts {
		var failed []string
		for _, c := range hr.Checks {
			if !c.OK && c.Check.Exclusive == "" {
				failed = append(failed, c.Check.Title)
			}
		}
		switch {
		case len(failed) > 0:
			parts = append(parts, fmt.Sprintf("verify failed on %s (%s)", hr.Host, strings.Join(failed, "; ")))
		case len(hr.FailedResources) > 0:
			parts = append(parts, fmt.Sprintf("%s failed on %s", strings.Join(hr.FailedResources, ", "), hr.Host))
		case hr.Unreachable:
			parts = append(parts, hr.Host+" unreachable")
		case hr.Error != "":
			parts = append(parts, hr.Host+" failed")
		}
	}
	return strings.Join(parts, "; ")
}

// RevertNotes are what each host says about reverts: one it made by
// itself (or was asked for) since the last apply, or one still armed.
func (s *Session) RevertNotes() map[string][]string {
	notes := map[string][]string{}
	for _, h := range s.hosts {
		if h.Report != nil {
			notes[h.Name] = append(notes[h.Name], DescribeReport(h.Name, h.Report))
		}
		if h.Armed != nil {
			notes[h.Name] = append(notes[h.Name], fmt.Sprintf("host %s has a revert armed for the apply of %s by %s: it puts that apply back at %s unless drover confirm comes first",
				h.Name, clock(h.Armed.Started), h.Armed.Holder, clock(h.Armed.Deadline)))
		}
	}
	return notes
}

// DescribeReport is the one line that says what a host's revert did.
func DescribeReport(name string, r *helper.RevertReport) string {
	line := fmt.Sprintf("host %s reverted the apply of %s at %s: %d resources put back (%s)",
		name, clock(r.Applied), clock(r.RevertedAt), r.PutBack(), r.Reason)
	if n := len(r.Steps) - r.PutBack(); n > 0 {
		line += fmt.Sprintf(", %d could not be", n)
	}
	if r.Error != "" {
		line += ": " + r.Error
	}
	return line
}

func clock(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

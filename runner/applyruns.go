package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/dag"
	"github.com/drover/drover/runner/helper"
)

// applyRuns groups each host's chain of changes into runs that one helper
// call applies: the helper applies a request's changes in order, reports
// each as it is done, stops at the first that fails, and after a change
// that outlasts helper.RunWindow waits for the rest to be sent again. Over
// a WAN every call is a round trip, and a first apply was mostly calls
// (one per change; a VXLAN member has thousands).
//
// A change joins the run of the change before it on its host unless it
// waits for another host's change or output (a cross-host dependency, or a
// reference resolved from another host's facts when it is applied); a run
// ends after a change that another host's change waits for, so that no
// host waits for more than it needs. Each change stays a node of the apply
// graph: the run's first change applies the run, and the later ones, which
// the graph orders after it, take their outcome from it.
type applyRuns struct {
	runs map[string][]string // a run's first change → the run, in order (runs of two or more)

	mu      sync.Mutex
	outcome map[string]error // a later change of a run that was applied or failed
}

// newApplyRuns finds the runs of the apply graph g of p.
func newApplyRuns(p *Plan, g *dag.Graph, nodes map[string]node) *applyRuns {
	ar := &applyRuns{runs: map[string][]string{}, outcome: map[string]error{}}
	crosses := func(n node, ids []string) bool {
		for _, id := range ids {
			if nodes[id].host != n.host {
				return true
			}
		}
		return false
	}
	for _, hp := range p.Hosts {
		var run []string
		for _, c := range hp.Changes {
			id := nodeID(hp.Host, c)
			n, ok := nodes[id]
			if !ok || c.Action == core.NoOp {
				continue
			}
			joins := len(run) > 0 && !crosses(n, g.Dependencies(id)) && !awaitsRefs(n.change) &&
				!crosses(nodes[run[len(run)-1]], g.Dependents(run[len(run)-1]))
			if !joins {
				ar.add(run)
				run = nil
			}
			run = append(run, id)
		}
		ar.add(run)
	}
	return ar
}

// awaitsRefs says whether c's attributes are filled in from another host's
// output when it is applied (refResolver).
func awaitsRefs(c core.Change) bool {
	return len(c.Resource.Refs) > 0 && c.Action != core.Delete
}

func (ar *applyRuns) add(run []string) {
	if len(run) > 1 {
		ar.runs[run[0]] = run
	}
}

// of returns the run that id leads (nil when it is applied alone or with
// the change before it).
func (ar *applyRuns) of(id string) []string { return ar.runs[id] }

// record keeps what became of a run's later changes (errs[i] of ids[i]; a
// change after a failed one has no entry: it was not tried).
func (ar *applyRuns) record(ids []string, errs []error) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	for i, err := range errs {
		ar.outcome[ids[i]] = err
	}
}

// applied returns what became of id when its run's first change applied
// it, and whether it did.
func (ar *applyRuns) applied(id string) (error, bool) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	err, ok := ar.outcome[id]
	return err, ok
}

// applyRun applies a run of one host's changes with as few helper calls as
// the helper allows (one, unless a change outlasts helper.RunWindow: the
// rest is then sent again) and returns what became of each, in order: nil
// once applied, the error of the one that failed; the changes after a
// failed one were not tried and have no entry. Each change is shown as it
// starts and ends (progress, events, the heartbeat of a long one), as when
// applied alone.
func (s *Session) applyRun(ctx context.Context, h *Host, run []core.Change) []error {
	errs := make([]error, 0, len(run))
	if h == nil || h.Err != nil {
		return append(errs, fmt.Errorf("host not connected"))
	}
	current := s.startChange(h.Name, run[0])
	onEvent := func(ev helper.Event) {
		if ev.Event != "applied" || len(errs) == len(run) {
			return // a failure comes with the answer
		}
		errs = append(errs, current.done(nil))
		if len(errs) < len(run) {
			current = s.startChange(h.Name, run[len(errs)])
		}
	}
	for len(errs) < len(run) {
		sent := len(errs)
		req := helper.Request{Op: helper.OpApply, Changes: run[sent:], Generation: s.Generation()}
		_, err := h.call(ctx, req, onEvent)
		switch {
		case err != nil && len(errs) < len(run): // the change under way failed
			return append(errs, current.done(err))
		case err != nil: // after the last change (removing drover's leftovers)
			errs[len(run)-1] = current.done(err)
			return errs
		case len(errs) == sent:
			return append(errs, current.done(errors.New("the helper answered without applying it")))
		}
	}
	return errs
}

// changeUnderWay is one change being applied, as the operator sees it: its
// start was shown, and a heartbeat says it is still running until done
// (done again, a later error of the same call, only reports it).
type changeUnderWay struct {
	s     *Session
	host  string
	c     core.Change
	start time.Time
	stop  func()
}

func (s *Session) startChange(hostName string, c core.Change) *changeUnderWay {
	s.emit(changeEvent(EventApplyStart, hostName, c))
	r := c.Resource
	stop := s.stillRunning(hostName, fmt.Sprintf("applying %s (%s)", DisplayID(r.ID()), strings.Join(r.Owners, ", ")),
		changeEvent(EventApplyProgress, hostName, c))
	return &changeUnderWay{s: s, host: hostName, c: c, start: time.Now(), stop: sync.OnceFunc(stop)}
}

// done shows how the change ended and returns its error, naming the
// resource and its declarations.
func (u *changeUnderWay) done(err error) error {
	u.stop()
	r := u.c.Resource
	if err != nil {
		u.s.progress(u.host, "%s %s failed: %v", u.c.Action.Symbol(), r.ID(), err)
		ev := changeEvent(EventApplyErrored, u.host, u.c)
		ev.Elapsed, ev.Error = time.Since(u.start), err.Error()
		u.s.emit(ev)
		return fmt.Errorf("%s (%s): %w", r.ID(), strings.Join(r.Owners, ", "), err)
	}
	u.s.progress(u.host, "%s %s (%s) done in %s", u.c.Action.Symbol(), r.ID(), strings.Join(r.Owners, ", "), since(u.start))
	ev := changeEvent(EventApplyComplete, u.host, u.c)
	ev.Elapsed = time.Since(u.start)
	u.s.emit(ev)
	return nil
}

package runner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// exclusiveSettle is how long verify waits for exactly one server to hold
// an exclusive property (a VIP elected by VRRP after keepalived started).
const exclusiveSettle = 8 * time.Second

// verifyExclusive proves the checks that span servers: for each
// host.Check.Exclusive key, exactly one server's check must pass. It asks
// again for a few seconds while an election settles, then fails every
// server of a key that still has no holder or several.
func (s *Session) verifyExclusive(ctx context.Context, byHost map[string]*HostResult) {
	groups := exclusiveGroups(byHost)
	deadline := time.Now().Add(exclusiveSettle)
	for key, g := range groups {
		s.askOthers(ctx, g, byHost)
		for len(g.holders()) != 1 && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(250 * time.Millisecond)
			s.recheck(ctx, g)
		}
		g.settle(key, byHost)
		for _, name := range slices.Sorted(maps.Keys(g.results)) {
			s.emit(Event{Type: EventVerify, Host: name, Check: g.results[name]})
		}
	}
}

// settle turns the group's results into the verdict every member shares:
// OK with who holds it, or failed with how many do.
func (g *exclusiveGroup) settle(key string, byHost map[string]*HostResult) {
	holders := g.holders()
	ok := len(holders) == 1 && len(g.unasked) == 0
	detail := fmt.Sprintf("held by %s", strings.Join(holders, ""))
	switch {
	case len(holders) != 1:
		detail = fmt.Sprintf("%d servers hold it (%s), want exactly one", len(holders), strings.Join(holders, ", "))
	case !ok:
		detail = fmt.Sprintf("held by %s, but %s could not be asked, so a second holder cannot be ruled out", holders[0], strings.Join(g.unasked, "; "))
	}
	if len(g.others) > 0 {
		detail += fmt.Sprintf(" (also asked: %s)", strings.Join(slices.Sorted(maps.Keys(g.others)), ", "))
	}
	for name, r := range g.results {
		r.OK, r.Detail = ok, detail
		if !ok && byHost[name] != nil {
			byHost[name].Error = joinErr(byHost[name].Error, fmt.Sprintf("verify failed: %s (%s): %s", g.title, key, detail))
		}
	}
}

// exclusiveGroup is one Exclusive key's check on every server that ran it,
// and on the other members, asked only to see whether they hold it too.
type exclusiveGroup struct {
	title   string
	check   core.Check                   // as one member runs it
	results map[string]*core.CheckResult // by server that ran it in this apply
	others  map[string]*core.CheckResult // members outside this run (or failed), asked
	unasked []string                     // "s1: why" of members that could not be asked
}

func (g *exclusiveGroup) holders() []string {
	var out []string
	for _, m := range []map[string]*core.CheckResult{g.results, g.others} {
		for name, r := range m {
			if r.OK {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

func exclusiveGroups(byHost map[string]*HostResult) map[string]*exclusiveGroup {
	groups := map[string]*exclusiveGroup{}
	for name, hr := range byHost {
		for i := range hr.Checks {
			r := &hr.Checks[i]
			key := r.Check.Exclusive
			if key == "" {
				continue
			}
			if groups[key] == nil {
				groups[key] = &exclusiveGroup{title: r.Check.Title, check: r.Check,
					results: map[string]*core.CheckResult{}, others: map[string]*core.CheckResult{}}
			}
			groups[key].results[name] = r
		}
	}
	return groups
}

// recheck runs a group's check again on each of its servers, the others
// asked included.
func (s *Session) recheck(ctx context.Context, g *exclusiveGroup) {
	for _, m := range []map[string]*core.CheckResult{g.results, g.others} {
		for name, r := range m {
			h := s.host(name)
			if h == nil || h.Err != nil || h.conn == nil {
				h = s.observer(name)
			}
			if h == nil {
				continue
			}
			resp, err := h.call(ctx, helper.Request{Op: helper.OpCheck, Checks: []core.Check{r.Check}}, nil)
			if err == nil && len(resp.Results) == 1 {
				*r = resp.Results[0]
			}
		}
	}
}

// askOthers runs the group's check on every member that did not run it in
// this apply: a host of the run that failed earlier, or a server outside
// -limit, reached for this one read-only question. A member that cannot
// be asked leaves the verdict open (settle fails it).
func (s *Session) askOthers(ctx context.Context, g *exclusiveGroup, byHost map[string]*HostResult) {
	for _, name := range g.check.Members {
		if _, ran := g.results[name]; ran {
			continue
		}
		h, err := s.askable(ctx, name)
		if err == nil {
			var resp helper.Response
			resp, err = h.call(ctx, helper.Request{Op: helper.OpCheck, Checks: []core.Check{g.check}}, nil)
			if err == nil && len(resp.Results) == 1 {
				r := resp.Results[0]
				g.others[name] = &r
				continue
			}
			if err == nil {
				err = fmt.Errorf("no answer")
			}
		}
		g.unasked = append(g.unasked, fmt.Sprintf("%s: %v", name, err))
	}
}

// askable returns a connected host for name: the run's own, or an observer
// connected now (a server outside -limit).
func (s *Session) askable(ctx context.Context, name string) (*Host, error) {
	if h := s.host(name); h != nil {
		if h.Err != nil || h.helper == nil {
			return nil, fmt.Errorf("not reachable in this run: %v", h.Err)
		}
		return h, nil
	}
	if h := s.observer(name); h != nil {
		return h, nil
	}
	if s.Cluster.Server(name) == nil {
		return nil, fmt.Errorf("not a declared server")
	}
	h := &Host{Name: name, Address: s.Cluster.Server(name).Address, log: s.opts.Log.With("host", name), secrets: s.Cluster.Secrets}
	if err := s.connect(ctx, h); err != nil {
		s.closeHost(h)
		return nil, err
	}
	s.observers = append(s.observers, h)
	return h, nil
}

// observer is the host connected only to be asked (askable), if any.
func (s *Session) observer(name string) *Host {
	for _, h := range s.observers {
		if h.Name == name {
			return h
		}
	}
	return nil
}

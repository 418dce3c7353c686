package runner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/drover/drover/runner/helper"
	"github.com/drover/drover/runner/host"
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
	ok := len(holders) == 1
	detail := fmt.Sprintf("held by %s", strings.Join(holders, ""))
	if !ok {
		detail = fmt.Sprintf("%d servers hold it (%s), want exactly one", len(holders), strings.Join(holders, ", "))
	}
	for name, r := range g.results {
		r.OK, r.Detail = ok, detail
		if !ok {
			byHost[name].Error = joinErr(byHost[name].Error, fmt.Sprintf("verify failed: %s (%s): %s", g.title, key, detail))
		}
	}
}

// exclusiveGroup is one Exclusive key's check on every server that ran it.
type exclusiveGroup struct {
	title   string
	results map[string]*host.CheckResult // by server
}

func (g *exclusiveGroup) holders() []string {
	var out []string
	for name, r := range g.results {
		if r.OK {
			out = append(out, name)
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
				groups[key] = &exclusiveGroup{title: r.Check.Title, results: map[string]*host.CheckResult{}}
			}
			groups[key].results[name] = r
		}
	}
	return groups
}

// recheck runs a group's check again on each of its servers.
func (s *Session) recheck(ctx context.Context, g *exclusiveGroup) {
	for name, r := range g.results {
		h := s.host(name)
		if h == nil || h.Err != nil {
			continue
		}
		resp, err := h.call(ctx, helper.Request{Op: helper.OpCheck, Checks: []host.Check{r.Check}}, nil)
		if err == nil && len(resp.Results) == 1 {
			*r = resp.Results[0]
		}
	}
}

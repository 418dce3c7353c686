package runner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/drover/drover/core"
	"github.com/drover/drover/dag"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/runner/helper"
)

// FormatVersion is the version of the plan's JSON form and plan files.
const FormatVersion = "1.0"

// Plan is what would change, host by host.
type Plan struct {
	FormatVersion string      `json:"format_version"`
	Offline       bool        `json:"offline,omitempty"`
	Hosts         []*HostPlan `json:"hosts"`
	// ConfigHash identifies the configuration the plan was made from.
	ConfigHash string `json:"config_hash,omitempty"`
}

// HostPlan is one host's part of a plan.
type HostPlan struct {
	Host    string        `json:"host"`
	Address string        `json:"address"`
	Changes []core.Change `json:"changes"`
	// Fingerprint is the helper's digest of the state it read.
	Fingerprint string       `json:"fingerprint,omitempty"`
	Checks      []core.Check `json:"checks,omitempty"`
	Error       string       `json:"error,omitempty"`
	// Unreachable is set when the error is that drover could not connect.
	Unreachable bool `json:"unreachable,omitempty"`
}

// Counts returns how many resources the plan creates, updates (in place or
// by replacement) and deletes.
func (p *Plan) Counts() (add, change, destroy int) {
	for _, h := range p.Hosts {
		a, c, d := h.Counts()
		add, change, destroy = add+a, change+c, destroy+d
	}
	return add, change, destroy
}

// Counts is Plan.Counts for one host.
func (h *HostPlan) Counts() (add, change, destroy int) {
	for _, c := range h.Changes {
		switch c.Action {
		case core.Create:
			add++
		case core.Update, core.Replace:
			change++
		case core.Delete:
			destroy++
		}
	}
	return add, change, destroy
}

// Replaces counts the changes of the plan made by replacement (-/+),
// which Counts includes in change.
func (p *Plan) Replaces() int {
	n := 0
	for _, h := range p.Hosts {
		for _, c := range h.Changes {
			if c.Action == core.Replace {
				n++
			}
		}
	}
	return n
}

// HasChanges reports whether applying the plan would do anything.
func (p *Plan) HasChanges() bool {
	a, c, d := p.Counts()
	return a+c+d > 0
}

// Failed lists the hosts that could not be planned.
func (p *Plan) Failed() []*HostPlan {
	var out []*HostPlan
	for _, h := range p.Hosts {
		if h.Error != "" {
			out = append(out, h)
		}
	}
	return out
}

// Plan asks every reachable host's helper for its changes. destroy plans
// the removal of everything drover made there instead.
func (s *Session) Plan(ctx context.Context, destroy bool) (*Plan, error) {
	if s.scope != nil {
		return s.planRolling(ctx, destroy) // rolling.go
	}
	if !destroy && s.opts.Stream != nil {
		return s.planStreamed(ctx) // parking.go
	}
	desired := &core.Desired{}
	if !destroy { // destroy reads each host's manifest, not the configuration
		if s.opts.Expand == nil {
			return nil, fmt.Errorf("runner: no expander (Options.Expand)")
		}
		var err error
		if desired, err = s.opts.Expand(s.Cluster, s.Facts()); err != nil {
			return nil, err
		}
	}
	p, byHost := s.newPlan()
	var mu sync.Mutex
	// take hands out a host's desired state once: sent, its resources
	// are let go while other hosts are still being planned.
	take := func(name string) *core.HostDesired {
		mu.Lock()
		defer mu.Unlock()
		d := desired.Hosts[name]
		delete(desired.Hosts, name)
		return d
	}
	s.each(ctx, func(ctx context.Context, h *Host) error {
		var d *core.HostDesired
		if !destroy {
			d = take(h.Name)
		}
		return s.planHost(ctx, h, byHost[h.Name], d)
	})
	s.recordFailures(byHost)
	return p, nil
}

// newPlan is an empty plan with a HostPlan per host, also by name.
func (s *Session) newPlan() (*Plan, map[string]*HostPlan) {
	p := &Plan{FormatVersion: FormatVersion}
	byHost := make(map[string]*HostPlan, len(s.hosts))
	for _, h := range s.hosts {
		hp := &HostPlan{Host: h.Name, Address: h.Address}
		byHost[h.Name] = hp
		p.Hosts = append(p.Hosts, hp)
	}
	return p, byHost
}

// planHost asks one host's helper what desired state d (nil: a destroy,
// or nothing declared there) would change, into hp.
func (s *Session) planHost(ctx context.Context, h *Host, hp *HostPlan, d *core.HostDesired) error {
	req := helper.Request{Op: helper.OpPlan, Brief: true, ShowOnly: s.opts.ShowOnly}
	if d != nil {
		req.Resources, hp.Checks = d.Resources, d.Checks
	}
	var resp helper.Response
	var err error
	if h.parked {
		resp, err = s.unpark(ctx, h, req)
	} else {
		resp, err = h.call(ctx, req, nil)
	}
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	if err := helper.ExpandBrief(req.Resources, &resp, !s.opts.ShowOnly); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	hp.Changes, hp.Fingerprint = resp.Changes, resp.Fingerprint
	return nil
}

// recordFailures copies each failed host's error into its HostPlan.
func (s *Session) recordFailures(byHost map[string]*HostPlan) {
	for _, h := range s.hosts {
		if h.Err != nil {
			byHost[h.Name].Error = h.Err.Error()
			byHost[h.Name].Unreachable = h.Unreachable
		}
	}
}

// OfflinePlan is the desired state from the configuration alone (desired
// expanded without facts): every resource as a create, facts printed as
// (known after apply).
func OfflinePlan(c *lang.Cluster, desired *core.Desired, limit []string) *Plan {
	p := &Plan{FormatVersion: FormatVersion, Offline: true}
	for _, srv := range c.Servers {
		if len(limit) > 0 && !slices.Contains(limit, srv.Name) {
			continue
		}
		h := srv
		hp := &HostPlan{Host: h.Name, Address: h.Address}
		if d := desired.Hosts[h.Name]; d != nil {
			for _, r := range d.Resources {
				hp.Changes = append(hp.Changes, core.Change{Action: core.Create, Resource: r})
			}
			hp.Checks = d.Checks
		}
		p.Hosts = append(p.Hosts, hp)
	}
	return p
}

// DesiredGraph is the dependency graph of what the configuration wants,
// with nodes "HOST:KIND/NAME": each resource after the ones it names in
// After, on its own host or ("HOST:KIND/NAME") on another. A cycle is an
// error naming it.
func DesiredGraph(c *lang.Cluster, desired *core.Desired) (*dag.Graph, error) {
	g := dag.New()
	for _, srv := range c.Servers {
		d := desired.Hosts[srv.Name]
		if d == nil {
			continue
		}
		for _, r := range d.Resources {
			id := srv.Name + ":" + r.ID()
			g.AddNode(id)
			for _, dep := range r.After {
				if !strings.Contains(dep, ":") {
					dep = srv.Name + ":" + dep
				}
				g.AddEdge(dep, id)
			}
		}
	}
	if _, err := g.Sort(); err != nil {
		return nil, err
	}
	return g, nil
}

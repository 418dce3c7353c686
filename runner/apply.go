package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/dag"
	"github.com/drover/drover/runner/helper"
)

// Result is what an apply did, host by host.
type Result struct {
	Hosts []*HostResult `json:"hosts"`
}

// HostResult is one host's recap.
type HostResult struct {
	Host    string             `json:"host"`
	Applied []core.Change      `json:"applied"`
	Checks  []core.CheckResult `json:"checks,omitempty"`
	// Skipped are checks not run because the server they need failed.
	Skipped []string `json:"skipped_checks,omitempty"`
	// RolledBack are the resources put back to their previous attributes
	// because their group failed elsewhere, or, with RollbackReason, the
	// whole apply put back (-rollback-on-failure).
	RolledBack     []string `json:"rolled_back,omitempty"`
	RollbackReason string   `json:"rollback_reason,omitempty"`
	Error          string   `json:"error,omitempty"`
	// Unreachable is set when drover could not connect to the host.
	Unreachable bool `json:"unreachable,omitempty"`
	// InSync counts the resources that needed no change.
	InSync int `json:"in_sync"`
	// FailedResources are the resources whose change failed;
	// SkippedResources those not tried because a change they need failed.
	FailedResources  []string `json:"failed_resources,omitempty"`
	SkippedResources []string `json:"skipped_resources,omitempty"`
}

// Recap is a host's outcome in the terms of Ansible's PLAY RECAP: ok counts
// the resources that are as declared (in sync or changed), changed the
// changes applied in place (creates, updates, deletes), replaced those
// applied by replacement, failed the failed changes and checks (or 1 when
// the host failed otherwise, e.g. it is locked), unreachable 1 when it
// could not be reached, skipped the changes and checks not tried.
type Recap struct {
	OK          int `json:"ok"`
	Changed     int `json:"changed"`
	Replaced    int `json:"replaced"`
	Failed      int `json:"failed"`
	Unreachable int `json:"unreachable"`
	Skipped     int `json:"skipped"`
	RolledBack  int `json:"rolled_back"`
}

// Recap counts the host's outcome.
func (r *HostResult) Recap() Recap {
	c := Recap{OK: r.InSync, Skipped: len(r.SkippedResources) + len(r.Skipped),
		Failed: len(r.FailedResources), RolledBack: len(r.RolledBack)}
	for _, a := range r.Applied {
		if a.Action == core.Replace {
			c.Replaced++
		} else {
			c.Changed++
		}
	}
	c.OK += len(r.Applied) - c.RolledBack
	for _, ch := range r.Checks {
		if !ch.OK && ch.Check.Exclusive == "" {
			c.Failed++
		}
	}
	switch {
	case r.Unreachable:
		c.Unreachable = 1
	case r.Error != "" && c.Failed == 0:
		c.Failed = 1
	}
	return c
}

// Status is the recap word: unreachable, failed, changed or ok.
func (r *HostResult) Status() string {
	switch {
	case r.Unreachable:
		return "unreachable"
	case r.RollbackReason != "":
		return "rolled back"
	case r.Error != "":
		return "failed"
	case len(r.Applied) > 0:
		return "changed"
	}
	return "ok"
}

// Failed reports whether any host failed.
func (r *Result) Failed() bool {
	for _, h := range r.Hosts {
		if h.Error != "" {
			return true
		}
	}
	return false
}

// Changed counts applied changes over all hosts.
func (r *Result) Changed() int {
	n := 0
	for _, h := range r.Hosts {
		n += len(h.Applied)
	}
	return n
}

// Lock takes every host's apply lock, so two applies cannot interleave
// (hosts that took it as they connected, Options.Lock, are not asked
// again), and starts the heartbeat that keeps the locks.
func (s *Session) Lock(ctx context.Context) {
	s.each(ctx, func(ctx context.Context, h *Host) error {
		if h.locked {
			return nil
		}
		if _, err := h.call(ctx, s.lockRequest(), nil); err != nil {
			return err
		}
		h.locked = true
		return nil
	})
	hb, stop := context.WithCancel(ctx)
	s.stopHeartbeat = stop
	go s.heartbeat(hb)
}

// lockRequest takes a host's apply lock for this run's holder.
func (s *Session) lockRequest() helper.Request {
	holder := s.opts.Holder
	if holder == "" {
		holder = DefaultHolder()
	}
	return helper.Request{Op: helper.OpLock, Holder: holder}
}

// heartbeat pings every locked host's helper while the session lives (a
// person may take minutes to confirm): a helper that stops hearing from
// its controller releases the host lock (helper.IdleTimeout).
func (s *Session) heartbeat(ctx context.Context) {
	t := time.NewTicker(helper.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, h := range s.hosts {
			if h.helper != nil {
				// One at a time per host (h.call serialises), all hosts
				// at once: a dead one does not starve the others.
				go h.call(ctx, helper.Request{Op: helper.OpPing}, nil)
			}
		}
	}
}

// Apply carries out the plan: a graph of (host, change) nodes, each host's
// changes in plan order, cross-host dependencies respected, hosts in
// parallel, a host's consecutive changes that wait for no other host in one
// helper call (applyRuns); a failed change stops its host only. Then verify
// runs the checks of every host that applied cleanly.
func (s *Session) Apply(ctx context.Context, p *Plan) *Result {
	res := &Result{}
	byHost := map[string]*HostResult{}
	for _, hp := range p.Hosts {
		hr := &HostResult{Host: hp.Host, Error: hp.Error, Unreachable: hp.Unreachable}
		for _, c := range hp.Changes {
			if c.Action == core.NoOp {
				hr.InSync++
			}
		}
		byHost[hp.Host] = hr
		res.Hosts = append(res.Hosts, hr)
	}
	g, nodes := s.applyGraph(p)
	runs := newApplyRuns(p, g, nodes)
	refs := newRefResolver(s)
	done := &appliedLog{}
	applied := func(n node) { // a host's changes are applied one after another
		refs.applied(n.host)
		byHost[n.host].Applied = append(byHost[n.host].Applied, n.change)
		done.add(n)
	}
	errs := g.Walk(ctx, s.opts.Parallel, func(ctx context.Context, id string) error {
		n := nodes[id]
		if err, ok := runs.applied(id); ok { // by the first change of its run
			if err == nil {
				applied(n)
			}
			return err
		}
		var err error
		if n.change, err = refs.resolve(ctx, n.change); err != nil {
			return err
		}
		ids := runs.of(id)
		if ids == nil {
			ids = []string{id}
		}
		run := make([]core.Change, len(ids))
		run[0] = n.change
		for i, id := range ids[1:] {
			run[i+1] = nodes[id].change
		}
		outcome := s.applyRun(ctx, s.host(n.host), run)
		runs.record(ids[1:], outcome[1:])
		if outcome[0] == nil {
			applied(n)
		}
		return outcome[0]
	})
	for id, err := range errs {
		// The change that failed explains its host; what it skipped doesn't.
		var skipped *dag.SkippedError
		if err == nil {
			continue
		}
		hr, rid := byHost[nodes[id].host], DisplayID(nodes[id].change.Resource.ID())
		if errors.As(err, &skipped) {
			hr.SkippedResources = append(hr.SkippedResources, rid)
			continue
		}
		hr.FailedResources = append(hr.FailedResources, rid)
		hr.Error = joinErr(hr.Error, err.Error())
	}
	s.rollbackGroups(ctx, done.nodes, failedGroups(errs, nodes), byHost)
	s.verify(ctx, p, byHost)
	return res
}

// node is one change of one host in the apply graph. Within one run the
// plan was made under the hosts' locks, so it cannot be stale; a saved plan
// is compared with a fresh one before Apply is called.
type node struct {
	host   string
	change core.Change
}

// nodeID names the node of hostName's change c in the apply graph.
func nodeID(hostName string, c core.Change) string { return hostName + ":" + c.Resource.ID() }

func (s *Session) applyGraph(p *Plan) (*dag.Graph, map[string]node) {
	g := dag.New()
	nodes := map[string]node{}
	for _, hp := range p.Hosts {
		if hp.Error != "" {
			continue
		}
		prev := ""
		for _, c := range hp.Changes {
			if c.Action == core.NoOp {
				continue
			}
			id := nodeID(hp.Host, c)
			nodes[id] = node{host: hp.Host, change: c}
			g.AddNode(id)
			if prev != "" {
				g.AddEdge(prev, id)
			}
			prev = id
		}
	}
	for id, n := range nodes {
		for _, dep := range n.change.Resource.After {
			if !strings.Contains(dep, ":") || !g.Has(dep) {
				continue
			}
			// Deletes go the other way: what refers to another host's
			// resource goes first. A delete and a non-delete are not
			// ordered.
			switch del, depDel := n.change.Action == core.Delete, nodes[dep].change.Action == core.Delete; {
			case del && depDel:
				g.AddEdge(id, dep)
			case !del && !depDel:
				g.AddEdge(dep, id)
			}
		}
	}
	return g, nodes
}

// applyOne applies one change alone.
func (s *Session) applyOne(ctx context.Context, h *Host, n node) (core.Change, error) {
	return n.change, s.applyRun(ctx, h, []core.Change{n.change})[0]
}

// verify runs each host's post-conditions; a failed check fails the host.
func (s *Session) verify(ctx context.Context, p *Plan, byHost map[string]*HostResult) {
	failed := map[string]bool{}
	for name, hr := range byHost {
		failed[name] = hr.Error != ""
	}
	exclusive, regular := map[string][]core.Check{}, map[string][]core.Check{}
	for _, hp := range p.Hosts {
		hr := byHost[hp.Host]
		for _, c := range hp.Checks {
			switch {
			case c.Peer != "" && failed[c.Peer]:
				hr.Skipped = append(hr.Skipped, c.Title+" (skipped: "+c.Peer+" failed)")
			case c.Exclusive != "":
				exclusive[hp.Host] = append(exclusive[hp.Host], c)
			default:
				regular[hp.Host] = append(regular[hp.Host], c)
			}
		}
	}
	// What only one server may hold (a VIP) settles first: the other
	// checks may need it (reaching the VIP).
	s.runChecks(ctx, exclusive, byHost)
	s.verifyExclusive(ctx, byHost)
	s.runChecks(ctx, regular, byHost)
	for _, h := range s.hosts {
		if hr := byHost[h.Name]; hr != nil && len(hr.Checks) > 0 {
			ok := 0
			for _, r := range hr.Checks {
				if r.OK {
					ok++
				}
			}
			s.progress(h.Name, "verified %d of %d checks", ok, len(hr.Checks))
		}
	}
}

// runChecks runs each healthy host's checks and records the results; a
// failed check that is not exclusive fails its host.
func (s *Session) runChecks(ctx context.Context, checks map[string][]core.Check, byHost map[string]*HostResult) {
	s.each(ctx, func(ctx context.Context, h *Host) error {
		hr := byHost[h.Name]
		if hr == nil || hr.Error != "" || len(checks[h.Name]) == 0 {
			return nil
		}
		stop := s.stillRunning(h.Name, fmt.Sprintf("verifying %d checks", len(checks[h.Name])), Event{})
		resp, err := h.call(ctx, helper.Request{Op: helper.OpCheck, Checks: checks[h.Name]}, nil)
		stop()
		if err != nil {
			hr.Error = "verify: " + err.Error()
			return nil
		}
		hr.Checks = append(hr.Checks, resp.Results...)
		for _, r := range resp.Results {
			if r.Check.Exclusive == "" { // those are emitted once settled (exclusive.go)
				s.emit(Event{Type: EventVerify, Host: h.Name, Check: &r})
			}
			if !r.OK && r.Check.Exclusive == "" {
				hr.Error = joinErr(hr.Error, fmt.Sprintf("verify failed: %s (%s): %s", r.Check.Title, r.Check.Owner, r.Detail))
			}
		}
		return nil
	})
}

func (s *Session) host(name string) *Host {
	for _, h := range s.hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

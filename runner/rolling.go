package runner

import (
	"context"
	"sync"

	"github.com/drover/drover/core"
)

// A plan rolls when each host's desired state reads the facts of a few
// servers only (Options.FactScope: the host, its VXLAN peers, the
// servers its host declarations depend on). Instead of gathering the
// whole fleet's facts first, and then holding or parking every host
// until its plan (parking.go), each host is planned as soon as the
// facts of its scope are in, on the connection that gathered its own,
// and closed: one login per host, however large the fleet. Hosts are
// connected in declaration order, so with a scope of neighbours (a
// VXLAN network's members are usually declared together) few hosts
// wait at once; a host that waits while more than Options.HoldAtMost
// others do is parked (closed, and logged in again for its plan).
//
// The desired state still expands in batches of -parallel hosts
// (Options.Stream), each batch with the facts in so far: those of every
// batch host's scope among them, which is all its expansion reads
// (modules.TestFactScopeIsEnough). The plan is therefore the plan every
// host's facts would give.

// rolls reports whether this session's plan rolls, keeping the scope:
// a plan (no locks) that streams, of a cluster with a fact scope.
func (s *Session) rolls() bool {
	if s.opts.Lock || s.opts.Stream == nil || s.opts.FactScope == nil {
		return false
	}
	scope, ok := s.opts.FactScope(s.Cluster)
	if ok {
		s.scope = scope
	}
	return ok
}

// roll is a rolling plan's shared state. Workers take tasks from it:
// plan an expanded host, expand a batch of ready hosts, connect the next
// host; mu guards all but facts and st, which only the worker holding
// the expansion (expanding) touches.
type roll struct {
	s      *Session
	byHost map[string]*HostPlan
	st     HostsExpander // nil: a destroy plan, which expands nothing
	facts  map[string]*core.Facts
	batch  int

	mu   sync.Mutex
	wake *sync.Cond
	// next is the position in s.hosts of the next host to connect.
	next int
	// waiting counts, per host, the servers of its scope (in this run)
	// whose facts are not in yet; dependents are, per server, the hosts
	// whose scope holds it.
	waiting    map[string]int
	dependents map[string][]*Host
	// arrived are hosts whose facts are in but not yet in facts; ready
	// are hosts whose scope's facts are all in, not yet expanded; plans
	// are expanded hosts not yet planned.
	arrived, ready []*Host
	plans          []planWork
	expanding      bool
	expandingN     int // hosts in the batch being expanded
	// held counts connected hosts not yet planned; left the hosts not
	// yet planned or failed; arrivedCount the hosts whose connection
	// ended (with facts or an error); plansRunning the plans being made.
	held, left, arrivedCount, plansRunning int
	err                                    error // an expansion's error: the plan ends with it
}

// planWork is a host and its desired state, ready to plan.
type planWork struct {
	h *Host
	d *core.HostDesired
}

// rollTask is one thing for a worker to do: plan, expand or connect.
type rollTask struct {
	plan    *planWork
	expand  []*Host
	arrived []*Host
	connect *Host
}

// planRolling connects, expands and plans host by host (see above).
func (s *Session) planRolling(ctx context.Context, destroy bool) (*Plan, error) {
	p, byHost := s.newPlan()
	r := s.newRoll(byHost, destroy)
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.wake.Broadcast()
	})
	defer stop()
	var wg sync.WaitGroup
	for range min(s.opts.Parallel, len(s.hosts)) {
		wg.Go(func() {
			for t, ok := r.take(ctx); ok; t, ok = r.take(ctx) {
				r.do(ctx, t)
			}
		})
	}
	wg.Wait()
	if r.err != nil {
		return nil, r.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.recordFailures(byHost)
	return p, nil
}

// newRoll is a rolling plan's state before any host is connected: what
// each host waits for (its scope in this run, itself included; a
// destroy's hosts wait for themselves only, as it expands nothing).
func (s *Session) newRoll(byHost map[string]*HostPlan, destroy bool) *roll {
	r := &roll{s: s, byHost: byHost, facts: map[string]*core.Facts{}, batch: max(s.opts.Parallel, 1),
		waiting: make(map[string]int, len(s.hosts)), dependents: make(map[string][]*Host, len(s.hosts)), left: len(s.hosts)}
	r.wake = sync.NewCond(&r.mu)
	scope := s.scope
	if destroy { // a destroy reads each host's manifest: nothing to wait for
		scope = func(host string) []string { return []string{host} }
	} else {
		r.st = s.opts.Stream(s.Cluster, r.facts)
	}
	inRun := make(map[string]bool, len(s.hosts))
	for _, h := range s.hosts {
		inRun[h.Name] = true
	}
	waitFor := func(h *Host, name string) {
		r.waiting[h.Name]++
		r.dependents[name] = append(r.dependents[name], h)
	}
	for _, h := range s.hosts {
		waitFor(h, h.Name) // its own facts, whatever the scope says
		for _, name := range scope(h.Name) {
			if inRun[name] && name != h.Name {
				waitFor(h, name)
			}
		}
	}
	return r
}

// take waits for the next task. Planning comes first (it lets a
// connection go), then a full batch to expand, then the next host to
// connect, then whatever batch is ready. ok is false once every host is
// done, or the plan has failed or been cancelled.
func (r *roll) take(ctx context.Context) (t rollTask, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		switch {
		case r.err != nil || ctx.Err() != nil || r.left == 0:
			return rollTask{}, false
		case len(r.plans) > 0:
			w := r.plans[0]
			r.plans = r.plans[1:]
			r.plansRunning++
			return rollTask{plan: &w}, true
		case !r.expanding && len(r.ready) >= r.batch:
			return r.takeBatch(), true
		case r.next < len(r.s.hosts) && (r.roomToHold() && r.ahead() < 2*r.batch || r.stuck()):
			r.next++
			return rollTask{connect: r.s.hosts[r.next-1]}, true
		case !r.expanding && len(r.ready) > 0:
			return r.takeBatch(), true
		}
		r.wake.Wait()
	}
}

// roomToHold tells whether another host may connect without more than
// HoldAtMost hosts connected and not yet planned (mu held).
func (r *roll) roomToHold() bool {
	hold := r.s.opts.HoldAtMost
	return hold <= 0 || r.held+r.connecting() < hold
}

// ahead counts the hosts connected or connecting that are not waiting
// for others: ready, being expanded, queued or being planned. Hosts are
// connected ahead of the plans by two batches at most, so that the
// connections held are those that wait for a peer (mu held).
func (r *roll) ahead() int {
	return r.connecting() + len(r.ready) + r.expandingN + len(r.plans) + r.plansRunning
}

// connecting counts hosts handed out to connect that have not arrived.
func (r *roll) connecting() int { return r.next - r.arrivedCount }

// stuck tells whether nothing but connecting another host can move the
// plan on: every held host waits for a host not yet connected (mu held).
func (r *roll) stuck() bool {
	return len(r.plans) == 0 && len(r.ready) == 0 && !r.expanding && r.connecting() == 0 && r.plansRunning == 0
}

// takeBatch hands out up to a batch of ready hosts to expand, with the
// facts that came in since the last expansion (mu held).
func (r *roll) takeBatch() rollTask {
	n := min(r.batch, len(r.ready))
	t := rollTask{expand: append([]*Host(nil), r.ready[:n]...), arrived: r.arrived}
	r.ready, r.arrived, r.expanding, r.expandingN = r.ready[n:], nil, true, n
	return t
}

// do runs one task.
func (r *roll) do(ctx context.Context, t rollTask) {
	switch {
	case t.plan != nil:
		r.plan(ctx, *t.plan)
	case t.expand != nil:
		r.expand(t.expand, t.arrived)
	case t.connect != nil:
		h := t.connect
		if err := r.s.open(ctx, h); err != nil {
			h.Err = err
			r.s.progress(h.Name, "failed: %v", err)
		}
		r.byHost[h.Name].Address = h.Address
		r.arrive(h)
	}
}

// arrive records a host's facts (or its failure): the hosts waiting for
// them may be ready now. A host that must wait for others is parked if
// more than HoldAtMost hosts are connected.
func (r *roll) arrive(h *Host) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.wake.Broadcast()
	r.arrivedCount++
	if h.Err == nil {
		r.arrived = append(r.arrived, h)
		r.held++
	} else {
		r.left--
	}
	for _, d := range r.dependents[h.Name] {
		r.waiting[d.Name]--
		if r.waiting[d.Name] == 0 && d.Err == nil {
			r.ready = append(r.ready, d)
		}
	}
	delete(r.dependents, h.Name)
	if h.Err == nil && r.waiting[h.Name] > 0 && r.s.opts.HoldAtMost > 0 && r.held > r.s.opts.HoldAtMost {
		r.s.park(h, "parked after its facts")
		r.held--
	}
}

// expand expands a batch of ready hosts, the facts arrived since the
// last batch added first, and queues them for planning.
func (r *roll) expand(hosts, arrived []*Host) {
	var d *core.Desired
	var err error
	if r.st != nil {
		for _, h := range arrived {
			if h.Facts != nil {
				r.facts[h.Name] = h.Facts
			}
		}
		names := make([]string, len(hosts))
		for i, h := range hosts {
			names[i] = h.Name
		}
		d, err = r.st.Hosts(names)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.wake.Broadcast()
	r.expanding, r.expandingN = false, 0
	if err != nil {
		if r.err == nil {
			r.err = err
		}
		return
	}
	for _, h := range hosts {
		w := planWork{h: h}
		if d != nil {
			w.d = d.Hosts[h.Name]
			delete(d.Hosts, h.Name)
		}
		r.plans = append(r.plans, w)
	}
}

// plan plans one host, on the connection that gathered its facts
// unless it was parked, and closes it.
func (r *roll) plan(ctx context.Context, w planWork) {
	h := w.h
	wasHeld := !h.parked
	if err := r.s.planHost(ctx, h, r.byHost[h.Name], w.d); err != nil {
		h.Err = err
		r.s.progress(h.Name, "failed: %v", err)
	}
	if wasHeld { // a parked host was closed again by unpark
		r.s.park(h, "closed after its plan")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if wasHeld {
		r.held--
	}
	r.plansRunning--
	r.left--
	r.wake.Broadcast()
}

package runner

import (
	"context"
	"sync"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// A plan of thousands of hosts cannot keep them all connected between
// their facts and their plans: every connection holds its SSH buffers,
// ciphers and a handful of goroutines (~90 KB, measured with
// cmd/drover's TestBenchFleetPlan), so 10,000 hosts would hold ~1 GB
// while the fleet's facts come in and its desired state expands. Beyond
// Options.HoldAtMost hosts, each host is parked: closed as soon as its
// facts are in, and connected again for its plan, the plan request
// riding with the helper's start. A run that takes locks (an apply)
// never parks: its locks live as long as its connections.

// PlanHoldDefault is the HoldAtMost a plan uses unless told: below it a
// plan keeps every host connected (one login each), above it each host
// logs in twice and the controller holds ~100 MB of connections at most.
const PlanHoldDefault = 1000

// parks reports whether this session closes hosts after their facts.
func (s *Session) parks() bool {
	return !s.opts.Lock && s.opts.HoldAtMost > 0 && len(s.hosts) > s.opts.HoldAtMost
}

// park closes a host whose facts are in. The helper's exit is awaited in
// the background (a round trip), so the host's slot is free at once;
// Close waits for it.
func (s *Session) park(h *Host, why string) {
	h.mu.Lock()
	conn, hc := h.conn, h.helper
	h.conn, h.helper, h.parked = nil, nil, true
	h.mu.Unlock()
	h.log.Debug(why)
	if conn != nil {
		h.logRoundTrips(conn)
	}
	s.closing.Go(func() {
		hc.Close()
		conn.Close()
	})
}

// unpark connects a parked host again, starts its helper with req (one
// round trip, as the facts rode with the first start) and returns req's
// answer; the host is parked again after it.
func (s *Session) unpark(ctx context.Context, h *Host, req helper.Request) (helper.Response, error) {
	conn, err := s.dial(ctx, s.Cluster.Server(h.Name), h.log)
	if err != nil {
		h.Unreachable = true
		return helper.Response{}, err
	}
	hc, err := s.startHelper(ctx, conn, []helper.Request{req})
	if err != nil {
		conn.Close()
		return helper.Response{}, err
	}
	h.mu.Lock()
	h.conn, h.helper, h.parked = conn, hc, false
	h.mu.Unlock()
	h.log.Debug("connected again for its plan")
	resp, err := h.answer(ctx, req.Op)
	s.park(h, "closed after its plan")
	return resp, err
}

// planStreamed plans the hosts batch by batch: the desired state of
// the next batch of hosts is expanded (Options.Stream) while the hosts
// before it are planned, and each host's is let go once sent. Held at
// once: the batch being expanded, a queue of one batch and the hosts in
// flight, instead of every host's (a cluster of up to -parallel hosts is
// one batch, expanded whole before any host is asked). An expansion error
// ends the plan with that error, as a whole expansion's would; the hosts
// already planned were only read.
func (s *Session) planStreamed(ctx context.Context) (*Plan, error) {
	p, byHost := s.newPlan()
	st := s.opts.Stream(s.Cluster, s.Facts())
	var live []*Host
	for _, h := range s.hosts {
		if h.Err == nil {
			live = append(live, h)
		}
	}
	type work struct {
		h *Host
		d *core.HostDesired
	}
	batch := max(s.opts.Parallel, 1) // a batch per -parallel hosts
	queue := make(chan work, batch)
	var expandErr error
	go func() {
		defer close(queue)
		for i := 0; i < len(live); i += batch {
			hosts := live[i:min(i+batch, len(live))]
			names := make([]string, len(hosts))
			for j, h := range hosts {
				names[j] = h.Name
			}
			d, err := st.Hosts(names)
			if err != nil {
				expandErr = err
				return
			}
			for _, h := range hosts {
				select {
				case queue <- work{h, d.Hosts[h.Name]}:
					delete(d.Hosts, h.Name)
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(s.opts.Parallel, len(live)) {
		wg.Go(func() {
			for w := range queue {
				if err := s.planHost(ctx, w.h, byHost[w.h.Name], w.d); err != nil {
					w.h.Err = err
					s.progress(w.h.Name, "failed: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if expandErr != nil {
		return nil, expandErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.recordFailures(byHost)
	return p, nil
}

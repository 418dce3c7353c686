package runner

import (
	"context"

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
func (s *Session) park(h *Host) {
	h.mu.Lock()
	conn, hc := h.conn, h.helper
	h.conn, h.helper, h.parked = nil, nil, true
	h.mu.Unlock()
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
	resp, err := h.answer(ctx, req.Op)
	s.park(h)
	return resp, err
}

package runner

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/drover/drover/bench"
	"github.com/drover/drover/bench/sim"
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/runner/helper"
	"github.com/drover/drover/runner/transport"
)

// A plan beyond HoldAtMost hosts parks each host after its facts and
// logs in again for its plan: the hosts are closed in between, each
// logs in twice, and every host gets the same plan request as when all
// stay connected, with the desired state expanded whole or a batch of
// hosts at a time (Options.Stream).
func TestPlanParksHostsBeyondHoldAtMost(t *testing.T) {
	c := benchCluster(t, bench.Spec{Servers: 6, Networks: 1, Members: 4, Generic: 3})
	plan := func(hold int, stream bool) (sessions, planBytes int64) {
		return planSim(t, c, Options{Parallel: 2, HoldAtMost: hold}, stream, false)
	}
	heldSessions, heldBytes := plan(0, false)
	parkedSessions, parkedBytes := plan(2, false)
	streamedSessions, streamedBytes := plan(2, true)
	if heldSessions != 6 || parkedSessions != 12 || streamedSessions != 12 {
		t.Errorf("helper sessions: %d held, %d parked, %d streamed; want 6, 12 and 12", heldSessions, parkedSessions, streamedSessions)
	}
	if heldBytes == 0 || parkedBytes != heldBytes || streamedBytes != heldBytes {
		t.Errorf("plan requests: %d bytes parked, %d streamed, %d held; want the same, not 0", parkedBytes, streamedBytes, heldBytes)
	}
}

// A plan of a cluster with a fact scope (modules.FactScope) rolls: each
// host is planned once its scope's facts are in, on the login that
// gathered its own, and the plan requests are those of a plan that
// gathers every host's facts first. Beyond HoldAtMost waiting hosts, a
// host that waits is parked: one at a time, s1 waits for its VXLAN
// peers s2-s4, which come in beyond the one held host; s4 completes the
// network, and s5 and s6 need no one.
func TestRollingPlanLogsInOnceAndPlansTheSame(t *testing.T) {
	c := benchCluster(t, bench.Spec{Servers: 6, Networks: 1, Members: 4, Generic: 3})
	_, wantBytes := planSim(t, c, Options{Parallel: 2}, false, false)
	for _, tc := range []struct {
		opts     Options
		sessions int64
	}{
		{Options{Parallel: 2}, 6},
		{Options{Parallel: 6}, 6},
		{Options{Parallel: 1, HoldAtMost: 1}, 8},
		{Options{Parallel: 1, HoldAtMost: 3}, 6},
	} {
		sessions, planBytes := planSim(t, c, tc.opts, true, true)
		if sessions != tc.sessions || planBytes != wantBytes {
			t.Errorf("-parallel %d -hold %d: %d helper sessions and %d bytes of plan requests; want %d and %d",
				tc.opts.Parallel, tc.opts.HoldAtMost, sessions, planBytes, tc.sessions, wantBytes)
		}
	}
}

// planSim plans c against simulated servers with opts (streamed, and
// rolling with c's fact scope, if asked) and returns the helper sessions
// the servers saw and the bytes of plan requests they got.
func planSim(t *testing.T, c *lang.Cluster, o Options, stream, rolling bool) (sessions, planBytes int64) {
	t.Helper()
	fleet := simFleet(t, c)
	hold := o.HoldAtMost
	opts := simOptions(fleet)
	opts.Parallel, opts.HoldAtMost = o.Parallel, hold
	if stream {
		opts.Stream = func(c *lang.Cluster, facts map[string]*core.Facts) HostsExpander {
			return modules.NewStream(c, facts, true)
		}
	}
	if rolling {
		opts.FactScope = modules.FactScope
		scope, _ := modules.FactScope(c)
		opts.Stream = func(c *lang.Cluster, facts map[string]*core.Facts) HostsExpander {
			return scopeChecked{modules.NewStream(c, facts, true), t, facts, scope}
		}
	}
	ctx := context.Background()
	s := Open(ctx, c, opts)
	for _, h := range s.Hosts() {
		switch parked := h.conn == nil; {
		case rolling && (h.conn != nil || h.Facts != nil):
			t.Fatalf("rolling: %s connected before the plan", h.Name)
		case rolling:
		case h.Err != nil:
			t.Fatalf("HoldAtMost %d: %s: %v", hold, h.Name, h.Err)
		case parked != (hold > 0) || h.parked != parked || h.Facts == nil:
			t.Errorf("HoldAtMost %d: %s after its facts: parked %v (conn nil %v), facts %v", hold, h.Name, h.parked, parked, h.Facts != nil)
		}
	}
	p, err := s.Plan(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if f := p.Failed(); len(f) > 0 {
		t.Fatalf("HoldAtMost %d: %s: %s", hold, f[0].Host, f[0].Error)
	}
	s.Close()
	fleet.Wait()
	return fleet.Sessions.Load(), fleet.PlanBytes.Load()
}

// simOptions are a session's options against the simulated fleet.
func simOptions(fleet *sim.Fleet) Options {
	return Options{
		Expand: modules.ExpandResources,
		Helper: func(string) (transport.Binary, error) {
			return transport.Binary{Arch: "amd64", Data: []byte("sim")}, nil
		},
		SSH: SSHOverride{User: "root", IdentityFile: fleet.IdentityFile, KnownHosts: fleet.KnownHosts, NoAgent: true, Dial: fleet.Dial},
	}
}

// TestBriefPlanAnswers plans against simulated servers that answer as a
// matching host's helper does (every resource unchanged, by index): a
// plan for an apply holds every desired resource as a no-op, as sent; a
// plan only shown holds no change at all. Both count the same.
func TestBriefPlanAnswers(t *testing.T) {
	c := benchCluster(t, bench.Spec{Servers: 3, Networks: 1, Members: 3, Generic: 2})
	for _, showOnly := range []bool{false, true} {
		fleet := simFleet(t, c)
		opts := simOptions(fleet)
		opts.ShowOnly = showOnly
		ctx := context.Background()
		s := Open(ctx, c, opts)
		p, err := s.Plan(ctx, false)
		s.Close()
		fleet.Wait()
		if err != nil {
			t.Fatal(err)
		}
		desired, err := modules.ExpandResources(c, s.Facts())
		if err != nil {
			t.Fatal(err)
		}
		for _, hp := range p.Hosts {
			want := desired.Hosts[hp.Host].Resources
			if hp.Error != "" || hp.Fingerprint == "" || len(want) == 0 {
				t.Fatalf("show only %t: %s: error %q, fingerprint %q, %d resources", showOnly, hp.Host, hp.Error, hp.Fingerprint, len(want))
			}
			if showOnly {
				if len(hp.Changes) != 0 {
					t.Errorf("plan only shown: %s holds %d changes", hp.Host, len(hp.Changes))
				}
				continue
			}
			if len(hp.Changes) != len(want) {
				t.Fatalf("%s: %d changes for %d resources", hp.Host, len(hp.Changes), len(want))
			}
			for i, ch := range hp.Changes {
				if ch.Action != core.NoOp || !helper.SameResource(ch.Resource, want[i]) {
					t.Errorf("%s: change %d is %s %s, want a no-op of %s", hp.Host, i, ch.Action, ch.Resource.ID(), want[i].ID())
				}
			}
		}
		if a, c, d := p.Counts(); a+c+d != 0 {
			t.Errorf("show only %t: %d to add, %d to change, %d to destroy", showOnly, a, c, d)
		}
	}
}

// scopeChecked is a Stream that fails the test when a host is expanded
// before the facts of its whole scope are in.
type scopeChecked struct {
	HostsExpander
	t     *testing.T
	facts map[string]*core.Facts
	scope func(string) []string
}

func (s scopeChecked) Hosts(names []string) (*core.Desired, error) {
	for _, name := range names {
		for _, other := range s.scope(name) {
			if s.facts[other] == nil {
				s.t.Errorf("%s expanded before the facts of %s, in its scope %v", name, other, s.scope(name))
			}
		}
	}
	return s.HostsExpander.Hosts(names)
}

// failingStream is a Stream whose batch holding host fails.
type failingStream struct {
	HostsExpander
	host string
}

func (f failingStream) Hosts(names []string) (*core.Desired, error) {
	if slices.Contains(names, f.host) {
		return nil, errors.New("network vx1: expansion failed on " + f.host)
	}
	return f.HostsExpander.Hosts(names)
}

// A streamed plan whose later batch fails to expand ends with that error,
// as a whole expansion's would; the earlier batches were planned (read)
// first.
func TestStreamedPlanFailsOnALaterBatch(t *testing.T) {
	c := benchCluster(t, bench.Spec{Servers: 6, Generic: 2})
	fleet := simFleet(t, c)
	last := c.Servers[len(c.Servers)-1].Name
	opts := Options{
		Parallel: 2, Expand: modules.ExpandResources,
		Stream: func(c *lang.Cluster, facts map[string]*core.Facts) HostsExpander {
			return failingStream{modules.NewStream(c, facts, true), last}
		},
		Helper: func(string) (transport.Binary, error) {
			return transport.Binary{Arch: "amd64", Data: []byte("sim")}, nil
		},
		SSH: SSHOverride{User: "root", IdentityFile: fleet.IdentityFile, KnownHosts: fleet.KnownHosts, NoAgent: true, Dial: fleet.Dial},
	}
	for _, scope := range []func(*lang.Cluster) (func(string) []string, bool){nil, modules.FactScope} {
		opts.FactScope = scope // rolling too
		fleet.PlanBytes.Store(0)
		s := Open(context.Background(), c, opts)
		p, err := s.Plan(context.Background(), false)
		s.Close()
		fleet.Wait()
		if p != nil || err == nil || !strings.Contains(err.Error(), "expansion failed on "+last) {
			t.Fatalf("rolling %v: plan = %v, %v; want the expansion's error", scope != nil, p, err)
		}
		if got := fleet.PlanBytes.Load(); got == 0 {
			t.Errorf("rolling %v: no host was planned before the failing batch", scope != nil)
		}
	}
}

// benchCluster loads a generated cluster of spec.
func benchCluster(t *testing.T, spec bench.Spec) *lang.Cluster {
	t.Helper()
	dir := t.TempDir()
	if err := bench.Write(dir, spec); err != nil {
		t.Fatal(err)
	}
	c, diags := lang.Load(dir, lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return c
}

// simFleet simulates c's servers (bench/sim, in this process).
func simFleet(t *testing.T, c *lang.Cluster) *sim.Fleet {
	t.Helper()
	servers := map[string]string{}
	for _, srv := range c.Servers {
		servers[srv.Name] = srv.Address
	}
	fleet, err := sim.New(t.TempDir(), servers)
	if err != nil {
		t.Fatal(err)
	}
	return fleet
}

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
		fleet := simFleet(t, c)
		opts := Options{
			Parallel: 2, HoldAtMost: hold, Expand: modules.ExpandResources,
			Helper: func(string) (transport.Binary, error) {
				return transport.Binary{Arch: "amd64", Data: []byte("sim")}, nil
			},
			SSH: SSHOverride{User: "root", IdentityFile: fleet.IdentityFile, KnownHosts: fleet.KnownHosts, NoAgent: true, Dial: fleet.Dial},
		}
		if stream {
			opts.Stream = func(c *lang.Cluster, facts map[string]*core.Facts) HostsExpander {
				return modules.NewStream(c, facts, true)
			}
		}
		ctx := context.Background()
		s := Open(ctx, c, opts)
		for _, h := range s.Hosts() {
			if h.Err != nil {
				t.Fatalf("HoldAtMost %d: %s: %v", hold, h.Name, h.Err)
			}
			if parked := h.conn == nil; parked != (hold > 0) || h.parked != parked || h.Facts == nil {
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
	s := Open(context.Background(), c, opts)
	p, err := s.Plan(context.Background(), false)
	s.Close()
	fleet.Wait()
	if p != nil || err == nil || !strings.Contains(err.Error(), "expansion failed on "+last) {
		t.Fatalf("plan = %v, %v; want the expansion's error", p, err)
	}
	if got := fleet.PlanBytes.Load(); got == 0 {
		t.Errorf("no host was planned before the failing batch")
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

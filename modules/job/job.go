// Package job expands `job` declarations (the seed's addjob/upgradejob/
// deljob) into container resources: placement (modules/job/placement)
// decides the server of each instance, keeping running instances where
// they are (read from the hosts' facts: every container resource reports
// its job and instance), and each instance becomes a `container` resource
// built from the job's base container on the job's network.
//
// # Rolling upgrades
//
// A change of the base container (its version) updates every instance's
// resource. The container kind replaces an instance by building the new
// version aside the old one's stopped copy, starting it and waiting for its
// health check (the first checked service, health_timeout); a new version
// that does not pass is removed and the previous one is put back, and its
// Apply fails. The first instance of each batch after the first (on each
// server) waits `interval` before it is replaced: batches are interval
// apart, and nothing waits after the last one.
//
// Batches are ordered across hosts with the apply graph: instance i is in
// batch (i-1)/max_parallel, and every instance of batch b lists every
// instance of batch b-1 on other hosts in After ("HOST:container/NAME"),
// while instances on one host apply in instance order. The runner's graph
// walk starts batch b only once batch b-1 applied; a failed instance stops
// its host and skips every later batch, so a broken version goes no
// further than its first batch and the apply reports the instance that
// failed and the rollback. Moves work the same way: an instance moving to
// another server is created there after it is deleted from the old one.
package job

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job/placement"
)

// Owner is the declaration name resources of j belong to.
func Owner(j *Decl) string { return "job." + j.Name }

// Place computes where every instance of every job runs. facts may be nil
// or miss hosts (offline): those run nothing yet as far as placement knows.
func Place(c *lang.Cluster, facts map[string]*core.Facts) (placement.Placement, error) {
	servers, jobs := placementInput(c, Running(c, facts))
	return placement.Place(servers, jobs)
}

// Fits is the job kind's final check: it places every job as plan will
// (nothing running yet: what runs only moves instances, it does not make
// room) and reports, at its count, a job some instances of which fit on
// no server.
func Fits(c *lang.Cluster, at *lang.Reporter) {
	failed := placement.Unplaced(placementInput(c, nil))
	for _, j := range Jobs(c) {
		if err := failed[j.Name]; err != nil {
			at.Problem("job", j.Name, "count", "Job does not fit", err.Error()+".")
		}
	}
}

// placementInput are the servers jobs may run on (not the local one) and
// the jobs to place, each with the instances running (by job name).
func placementInput(c *lang.Cluster, running map[string][]RunningInstance) ([]placement.Server, []placement.Job) {
	var servers []placement.Server
	for _, s := range c.Servers {
		if s.Local {
			continue
		}
		servers = append(servers, placement.Server{Name: s.Name, Labels: s.Labels, Capacity: s.Capacity})
	}
	jobs := make([]placement.Job, 0, len(Jobs(c)))
	for _, j := range Jobs(c) {
		candidates := j.Servers
		if len(candidates) == 0 {
			candidates = c.NetworkServers(j.Network)
		}
		cur := map[int]string{}
		for _, r := range running[j.Name] {
			if _, taken := cur[r.Index]; !taken {
				cur[r.Index] = r.Server
			}
		}
		jobs = append(jobs, placement.Job{
			Name: j.Name, Count: j.Count, Candidates: candidates, Constraints: j.Constraints,
			Strategy: j.Strategy, Replicas: j.Replicas, Group: j.Group, Current: cur,
		})
	}
	return servers, jobs
}

// RunningInstance is a job instance a host reports.
type RunningInstance struct {
	Server  string
	Name    string
	Index   int
	Version string
	Address string
}

// Running lists the instances the hosts report, per job, in server then
// instance order.
func Running(c *lang.Cluster, facts map[string]*core.Facts) map[string][]RunningInstance {
	out := map[string][]RunningInstance{}
	for _, s := range c.Servers {
		f := facts[s.Name]
		if f == nil {
			continue
		}
		ids := make([]string, 0, len(f.Outputs))
		for id := range f.Outputs {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			o := f.Outputs[id]
			name, ok := strings.CutPrefix(id, "container/")
			if !ok || o["job"] == "" {
				continue
			}
			var idx int
			fmt.Sscan(o["instance"], &idx)
			out[o["job"]] = append(out[o["job"]], RunningInstance{
				Server: s.Name, Name: name, Index: idx, Version: o["version"], Address: o["address"],
			})
		}
	}
	return out
}

// Expand returns, per server name, the sets every job wants there (one per
// job), in job order.
func Expand(c *lang.Cluster, facts map[string]*core.Facts) (map[string][]*blocks.Set, error) {
	placed, err := Place(c, facts)
	if err != nil {
		return nil, err
	}
	running := Running(c, facts)
	out := map[string][]*blocks.Set{}
	for _, j := range Jobs(c) {
		sets, err := expandJob(c, j, placed[j.Name], running[j.Name])
		if err != nil {
			return nil, err
		}
		for _, s := range c.Servers {
			if set := sets[s.Name]; set != nil {
				out[s.Name] = append(out[s.Name], set)
			}
		}
	}
	return out, nil
}

func expandJob(c *lang.Cluster, j *Decl, servers []string, running []RunningInstance) (map[string]*blocks.Set, error) {
	base := container.Named(c, j.Container)
	if base == nil {
		return nil, fmt.Errorf("job %s: unknown container %q", j.Name, j.Container)
	}
	var addrs []string
	if j.Addresses != "" {
		var err error
		if addrs, err = InstanceAddresses(j.Addresses, j.Count); err != nil {
			return nil, fmt.Errorf("job %s: addresses: %w", j.Name, err)
		}
	}
	services := append(slices.Clone(base.Services), j.Services...)
	sets := map[string]*blocks.Set{}
	for i, server := range servers {
		s := c.Server(server)
		if s == nil {
			return nil, fmt.Errorf("job %s: placement chose unknown server %q", j.Name, server)
		}
		set := sets[server]
		if set == nil {
			set = &blocks.Set{Owner: Owner(j)}
			sets[server] = set
		}
		in := container.Instance{
			Name: InstanceName(j.Name, i+1), Base: base, Server: s, Services: services,
			Interfaces: []container.Interface{{Network: j.Network}},
			Job:        j.Name, Index: i + 1, Runtime: j.Runtime, HealthTimeout: j.HealthTimeout, Interval: batchPause(j, servers, i),
		}
		if addrs != nil {
			in.Interfaces[0].Address = addrs[i]
		}
		after := batchAfter(j, servers, i)
		after = append(after, movedFrom(in.Name, server, running)...)
		if err := container.Add(set, c, in, after...); err != nil {
			return nil, fmt.Errorf("job %s: %w", j.Name, err)
		}
		// A rollout is all or nothing: a failed batch puts back the
		// instances earlier batches already upgraded.
		set.Resources[len(set.Resources)-1].Group = Owner(j)
	}
	return sets, nil
}

// Batch is the rollout batch of instance i (0-based).
func Batch(j *Decl, i int) int {
	if j.MaxParallel < 1 {
		return i
	}
	return i / j.MaxParallel
}

// batchPause is the interval instance i waits before it is replaced: the
// job's interval for the first instance of a batch after the first on its
// server (instances of one batch on other servers wait in parallel), so
// that batches are interval apart; 0 for the others.
func batchPause(j *Decl, servers []string, i int) time.Duration {
	b := Batch(j, i)
	if b == 0 {
		return 0
	}
	for k := 0; k < i; k++ {
		if Batch(j, k) == b && servers[k] == servers[i] {
			return 0
		}
	}
	return j.Interval
}

// batchAfter lists the instances of the previous batch on other servers
// than instance i's.
func batchAfter(j *Decl, servers []string, i int) []string {
	b := Batch(j, i)
	if b == 0 {
		return nil
	}
	var after []string
	for k := range servers {
		if Batch(j, k) == b-1 && servers[k] != servers[i] {
			after = append(after, servers[k]+":container/"+InstanceName(j.Name, k+1))
		}
	}
	return after
}

// movedFrom makes an instance that moves wait for its removal from the
// server it leaves (so that its address is never up twice).
func movedFrom(name, server string, running []RunningInstance) []string {
	var after []string
	for _, r := range running {
		if r.Name == name && r.Server != server {
			after = append(after, r.Server+":container/"+name)
		}
	}
	return after
}

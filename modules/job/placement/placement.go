// Package placement is drover's job scheduler: it decides which server runs
// each instance of each job. It is pure and deterministic (the same input
// always gives the same placement) and stable: an instance already running
// on a server that may still hold it stays there, so adding a server or
// raising a count moves nothing, lowering a count removes the highest
// instances, and only the instances of a removed (or no longer eligible)
// server are placed again.
//
// Rules, in order:
//   - a server is eligible for a job when it is one of the job's candidates
//     and carries every constraint label;
//   - a server holds at most Capacity instances of all jobs (0 = no limit)
//     and at most Replicas instances of one job (0 = no limit);
//   - jobs of one Group share servers: instance i of a later job of the
//     group goes where instance i of the group's first job is, when it
//     fits; its other instances stay on the group's servers;
//   - spread puts a new instance on the eligible server with the fewest
//     instances of the job, then the fewest instances in all, then by a
//     hash of job and server (so that jobs do not all start on the same
//     server); binpack puts it on the fullest server that still fits, in
//     declaration order.
package placement

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
)

// Strategies.
const (
	Spread  = "spread"
	Binpack = "binpack"
)

// Server is a server jobs may run on.
type Server struct {
	Name     string
	Labels   map[string]string
	Capacity int // instances of all jobs, 0 = no limit
}

// Job is what placement needs of a job.
type Job struct {
	Name        string
	Count       int
	Candidates  []string // server names; the job's network reaches them
	Constraints map[string]string
	Strategy    string
	Replicas    int // per server, 0 = no limit
	Group       string
	// Current maps an instance (1-based) to the server it runs on now.
	Current map[int]string
}

// Placement maps each job to the server of each instance: Servers[i] is
// where instance i+1 runs.
type Placement map[string][]string

// Place places every job, in order (earlier jobs take capacity first).
func Place(servers []Server, jobs []Job) (Placement, error) {
	p := newPlacer(servers)
	out, failed := p.placeAll(jobs)
	var errs []string
	for _, j := range jobs {
		if err := failed[j.Name]; err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// Unplaced places every job as Place does and returns the error of each
// job some instances of which fit nowhere, by job name (validate reports
// each at its job's declaration).
func Unplaced(servers []Server, jobs []Job) map[string]error {
	_, failed := newPlacer(servers).placeAll(jobs)
	return failed
}

func newPlacer(servers []Server) *placer {
	p := &placer{
		index:   make(map[string]int, len(servers)),
		servers: servers,
		used:    make([]int, len(servers)),
		groups:  map[string][]int{},
	}
	for i, s := range servers {
		p.index[s.Name] = i
	}
	return p
}

func (p *placer) placeAll(jobs []Job) (Placement, map[string]error) {
	out := Placement{}
	failed := map[string]error{}
	for _, j := range jobs {
		got, err := p.place(j)
		if err != nil {
			failed[j.Name] = err
		}
		out[j.Name] = got
	}
	return out, failed
}

type placer struct {
	index   map[string]int
	servers []Server
	used    []int            // instances of all jobs, per server
	groups  map[string][]int // group -> server of each instance of its first job
}

// jobState is one job's placement in progress.
type jobState struct {
	job      Job
	eligible []int // server indexes, in declaration order
	ok       []bool
	per      []int // instances of this job per server
	seed     []uint64
	leader   []int // the group's first job's servers, nil = no group yet
	onGroup  []bool
}

func (p *placer) place(j Job) ([]string, error) {
	st := p.newJobState(j)
	assigned := make([]int, j.Count)
	for i := range assigned {
		assigned[i] = -1
	}
	// Keep what runs where it may stay.
	for i := 0; i < j.Count; i++ {
		if s, ok := p.index[j.Current[i+1]]; ok && st.fits(p, s) && (st.onGroup == nil || st.onGroup[s]) {
			st.take(p, s)
			assigned[i] = s
		}
	}
	var unplaced []int
	for i := 0; i < j.Count; i++ {
		if assigned[i] >= 0 {
			continue
		}
		s := st.preferred(p, i)
		if s < 0 {
			s = st.choose(p)
		}
		if s < 0 {
			unplaced = append(unplaced, i+1)
			continue
		}
		st.take(p, s)
		assigned[i] = s
	}
	if j.Group != "" && st.leader == nil {
		p.groups[j.Group] = assigned
	}
	names := make([]string, j.Count)
	for i, s := range assigned {
		if s >= 0 {
			names[i] = p.servers[s].Name
		}
	}
	if len(unplaced) > 0 {
		return names, fmt.Errorf("job %s: %d of %d instances fit on no server (%s); %s", j.Name, len(unplaced), j.Count, instanceList(j.Name, unplaced), st.why(p))
	}
	return names, nil
}

func (p *placer) newJobState(j Job) *jobState {
	st := &jobState{job: j, ok: make([]bool, len(p.servers)), per: make([]int, len(p.servers)), seed: make([]uint64, len(p.servers))}
	for _, name := range j.Candidates {
		i, known := p.index[name]
		if !known || st.ok[i] || !hasLabels(p.servers[i].Labels, j.Constraints) {
			continue
		}
		st.ok[i] = true
	}
	for i := range p.servers {
		if st.ok[i] {
			st.eligible = append(st.eligible, i)
			st.seed[i] = hash(j.Name, p.servers[i].Name)
		}
	}
	if j.Group != "" {
		if leader, ok := p.groups[j.Group]; ok {
			st.leader = leader
			st.onGroup = make([]bool, len(p.servers))
			for _, s := range leader {
				if s >= 0 {
					st.onGroup[s] = true
				}
			}
		}
	}
	return st
}

func (st *jobState) fits(p *placer, s int) bool {
	if !st.ok[s] {
		return false
	}
	if st.job.Replicas > 0 && st.per[s] >= st.job.Replicas {
		return false
	}
	c := p.servers[s].Capacity
	return c == 0 || p.used[s] < c
}

func (st *jobState) take(p *placer, s int) {
	st.per[s]++
	p.used[s]++
}

// preferred is the server of the group leader's instance i, when it fits.
func (st *jobState) preferred(p *placer, i int) int {
	if st.leader == nil || i >= len(st.leader) {
		return -1
	}
	if s := st.leader[i]; s >= 0 && st.fits(p, s) {
		return s
	}
	return -1
}

// choose picks a server for a new instance by the job's strategy, -1 when
// none fits.
func (st *jobState) choose(p *placer) int {
	best := -1
	for _, s := range st.eligible {
		if !st.fits(p, s) || (st.onGroup != nil && !st.onGroup[s]) {
			continue
		}
		if best < 0 || st.better(p, s, best) {
			best = s
		}
	}
	return best
}

func (st *jobState) better(p *placer, a, b int) bool {
	if st.job.Strategy == Binpack {
		return p.used[a] > p.used[b] // ties: declaration order
	}
	if st.per[a] != st.per[b] {
		return st.per[a] < st.per[b]
	}
	if p.used[a] != p.used[b] {
		return p.used[a] < p.used[b]
	}
	return st.seed[a] < st.seed[b]
}

// why explains a failed placement.
func (st *jobState) why(p *placer) string {
	j := st.job
	if len(st.eligible) == 0 {
		return fmt.Sprintf("no candidate server carries the labels %s", labelList(j.Constraints))
	}
	var parts []string
	for _, s := range st.eligible {
		parts = append(parts, fmt.Sprintf("%s holds %d (capacity %s)", p.servers[s].Name, p.used[s], capacityText(p.servers[s].Capacity)))
	}
	msg := "eligible: " + strings.Join(parts, ", ")
	if j.Replicas > 0 {
		msg += fmt.Sprintf("; at most %d per server", j.Replicas)
	}
	if st.onGroup != nil {
		msg += fmt.Sprintf("; group %q keeps it on its first job's servers", j.Group)
	}
	return msg + ": raise capacity or replicas, add servers, or lower count"
}

func capacityText(c int) string {
	if c == 0 {
		return "unlimited"
	}
	return fmt.Sprint(c)
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func labelList(m map[string]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ", ") + "}"
}

func instanceList(job string, idx []int) string {
	var parts []string
	for i, n := range idx {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(idx)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s-%d", job, n))
	}
	return strings.Join(parts, ", ")
}

func hash(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

package modules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/generic"
	"github.com/drover/drover/modules/server"
)

// Stream expands a cluster some hosts at a time. A plan of a fleet too
// large to hold every host's desired state at once (a VXLAN member of 20
// networks of 50 wants ~3,000 resources) expands the hosts it is about to
// send, sends them and lets them go (runner: Options.Stream). Expand is a
// Stream's Hosts(nil), so both give the same result by construction.
//
// The servers, the VXLAN networks and the host declarations expand for
// the asked hosts only. Every other network kind and the block kinds
// (whose placement spans hosts: jobs, Consul) expand once, on first use,
// and their sets are kept for the later calls.
type Stream struct {
	c        *lang.Cluster
	facts    map[string]*core.Facts
	noChecks bool
	// failed are the servers whose address could not be learned
	// (LearnAddresses): an error only where something uses it.
	failed map[string]error
	items  *generic.Index
	// networks keeps, by position in c.Networks, what a network of a kind
	// that cannot expand some hosts only wants (nil until first used).
	networks []*networkSets
	// decls are the block kinds' sets and errors in expansion order (nil
	// until first used).
	decls []piece
}

// networkSets is a network's expansion, kept.
type networkSets struct {
	sets map[string]*blocks.Set
	err  error
}

// piece is one step of a kept expansion: a host's set, or an error.
type piece struct {
	host string
	set  *blocks.Set
	err  string
}

// NewStream prepares the expansion of c with the hosts' facts; noChecks
// drops the verify checks (ExpandResources).
func NewStream(c *lang.Cluster, facts map[string]*core.Facts, noChecks bool) *Stream {
	c, failed := LearnAddresses(c, facts) // addresses.go
	return &Stream{c: c, facts: facts, noChecks: noChecks, failed: failed,
		items: generic.NewIndex(c.Items), networks: make([]*networkSets, len(c.Networks))}
}

// Hosts expands what the named hosts want (nil = every server): the same
// resources, checks and errors as Expand has for them.
func (st *Stream) Hosts(names []string) (*core.Desired, error) {
	var hosts map[string]bool // nil = all
	if names != nil {
		hosts = make(map[string]bool, len(names))
		for _, n := range names {
			hosts[n] = true
		}
	}
	d, err := st.expand(hosts)
	if len(st.failed) == 0 {
		return d, err
	}
	var unknown []string
	if err != nil { // a module may have failed on the marker: say why it is there, then what failed
		for _, e := range st.failed {
			unknown = append(unknown, e.Error())
		}
		slices.Sort(unknown)
		unknown = append(unknown, withoutMarkers(err.Error()))
	} else {
		unknown = usesUnresolved(d, st.failed)
		slices.Sort(unknown)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(unknown, "\n"))
	}
	return d, nil
}

// expand merges, host by host, what every declaration wants there: the
// server itself, the networks, the host declarations, the block kinds.
func (st *Stream) expand(hosts map[string]bool) (*core.Desired, error) {
	c, facts := st.c, st.facts
	d := &desired{hosts: map[string]*hostDesired{}, noChecks: st.noChecks}
	// Every declaration's sets and errors are recorded in order first,
	// then merged in that order into hosts sized for them: a VXLAN
	// member's ~3,000 resources arrive a network at a time, and growing
	// its list as they came copied it ~4 times over.
	var steps []piece
	fail := func(msg string) { steps = append(steps, piece{err: msg}) }
	add := func(name string, set *blocks.Set) {
		if hosts != nil && !hosts[name] {
			return
		}
		steps = append(steps, piece{host: name, set: set})
	}
	for _, s := range c.Servers {
		if hosts != nil && !hosts[s.Name] {
			continue
		}
		d.host(s.Name)
		set, err := server.Expand(s, facts[s.Name], c.RoutedSubnets(s.Name), c.DNSForwards()...)
		if err != nil {
			fail(err.Error())
			continue
		}
		add(s.Name, set)
	}
	for i, n := range c.Networks {
		sets, err := st.network(i, n, hosts)
		if err != nil {
			fail(err.Error())
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(sets)) {
			add(name, sets[name])
		}
	}
	if items, err := generic.ExpandHosts(c, facts, st.items, hosts); err != nil {
		fail(err.Error())
	} else {
		for _, name := range slices.Sorted(maps.Keys(items)) {
			for _, set := range items[name] {
				add(name, set)
			}
		}
	}
	for _, p := range st.blockSets(hosts == nil) {
		if p.err != "" {
			fail(p.err)
		} else {
			add(p.host, p.set)
		}
	}
	errs := d.mergeAll(steps)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	out := &core.Desired{Hosts: make(map[string]*core.HostDesired, len(d.hosts))}
	for name, h := range d.hosts {
		h.Resources = orderByAfter(h.Resources, h.index)
		out.Hosts[name] = &core.HostDesired{Resources: h.Resources, Checks: h.Checks} // not the index
	}
	markSecrets(out, c.Secrets)
	return out, nil
}

// network is what network n (c.Networks[i]) wants on the hosts: expanded
// for them alone where its kind can, else expanded once and kept (unless
// every host is asked for at once, the only call there will be).
func (st *Stream) network(i int, n *lang.Network, hosts map[string]bool) (map[string]*blocks.Set, error) {
	if e, ok := n.Spec.(networkHostsExpander); ok {
		return e.ExpandHosts(n, st.c, st.facts, hosts)
	}
	if hosts == nil {
		return expandNetwork(n, st.c, st.facts)
	}
	if st.networks[i] == nil {
		sets, err := expandNetwork(n, st.c, st.facts)
		st.networks[i] = &networkSets{sets: sets, err: err}
	}
	return st.networks[i].sets, st.networks[i].err
}

// blockSets are the block kinds' sets and errors in order, expanded once
// and kept (once only: not kept).
func (st *Stream) blockSets(once bool) []piece {
	if st.decls != nil {
		return st.decls
	}
	var pieces []piece
	expandDecls(st.c, st.facts,
		func(host string, set *blocks.Set) { pieces = append(pieces, piece{host: host, set: set}) },
		func(msg string) { pieces = append(pieces, piece{err: msg}) })
	if !once {
		st.decls = append(make([]piece, 0, len(pieces)), pieces...) // non-nil: kept, even if empty
	}
	return pieces
}

// mergeAll merges the recorded sets into their hosts, each host's lists
// sized once for all of its sets, and returns the errors, recorded and
// of merging, in the order they happened.
func (d *desired) mergeAll(steps []piece) []string {
	resources, checks := map[string]int{}, map[string]int{}
	for _, p := range steps {
		if p.set != nil {
			resources[p.host] += len(p.set.Resources)
			if !d.noChecks {
				checks[p.host] += len(p.set.Checks)
			}
		}
	}
	for name, n := range resources {
		d.host(name).reserve(n, checks[name])
	}
	var errs []string
	for _, p := range steps {
		if p.set == nil {
			errs = append(errs, p.err)
			continue
		}
		if d.noChecks {
			p.set.Checks = nil
		}
		if err := d.host(p.host).merge(p.set); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", p.host, err))
		}
	}
	return errs
}

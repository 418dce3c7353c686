// Package modules turns a validated cluster model plus host facts into the
// desired host resources and post-condition checks of every server. It is
// pure: the same model and facts always give the same result, and nothing
// here connects to a host. Each declared kind lives in its own package; this
// one runs them all and merges what they want on each host.
package modules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// desired builds a core.Desired, indexing each host's resources by ID so
// that merging a declaration's resources stays linear.
type desired struct {
	hosts map[string]*hostDesired
	// noChecks drops the checks of every declaration as it is merged
	// (ExpandResources).
	noChecks bool
}

type hostDesired struct {
	core.HostDesired
	index *resourceIndex // resource -> position in Resources
}

// Expand runs every module. facts maps server names to their facts; a
// missing entry means unknown (offline plan).
func Expand(c *lang.Cluster, facts map[string]*core.Facts) (*core.Desired, error) {
	return expandAll(c, facts, false)
}

// ExpandResources is Expand without the checks: what a plan that is not
// saved for an apply needs. It returns the same resources and errors;
// the verify checks (a VXLAN member's ping of each peer: ~490,000 of them
// in a fleet of 200 networks of 50 members) are dropped as each
// declaration is merged instead of being held for every host.
func ExpandResources(c *lang.Cluster, facts map[string]*core.Facts) (*core.Desired, error) {
	return expandAll(c, facts, true)
}

func expandAll(c *lang.Cluster, facts map[string]*core.Facts, noChecks bool) (*core.Desired, error) {
	return NewStream(c, facts, noChecks).Hosts(nil)
}

// markSecrets makes every resource and check attribute that holds a secret (a
// sensitive variable's value, or one computed from it) sensitive, however
// it got there: rendered into a daemon's config, a unit, a command.
func markSecrets(d *core.Desired, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	for _, h := range d.Hosts {
		for i := range h.Resources {
			r := &h.Resources[i]
			for _, k := range core.SortedKeys(r.Attrs) {
				if r.IsSensitive(k) || !holdsSecret(r.Attrs[k], secrets) {
					continue
				}
				r.Sensitive = append(slices.Clone(r.Sensitive), k)
			}
		}
		for i := range h.Checks {
			c := &h.Checks[i]
			for _, k := range core.SortedKeys(c.Attrs) {
				if c.IsSensitive(k) || !holdsSecret(c.Attrs[k], secrets) {
					continue
				}
				c.Sensitive = append(slices.Clone(c.Sensitive), k)
			}
		}
	}
}

func holdsSecret(v string, secrets []string) bool {
	for _, s := range secrets {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

func (d *desired) host(name string) *hostDesired {
	h, ok := d.hosts[name]
	if !ok {
		h = &hostDesired{}
		d.hosts[name] = h
	}
	return h
}

// reserve makes room for n resources and checks more than the host has,
// before its sets are merged.
func (h *hostDesired) reserve(resources, checks int) {
	h.Resources = slices.Grow(h.Resources, resources)
	h.Checks = slices.Grow(h.Checks, checks)
	if h.index == nil {
		h.index = newResourceIndex(resources)
	}
}

// merge adds a declaration's resources. A resource another declaration
// already wants with the same attributes gains an owner; with different
// attributes it is a conflict naming both declarations.
func (h *hostDesired) merge(set *blocks.Set) error {
	if h.index == nil {
		h.index = newResourceIndex(len(set.Resources))
	}
	h.Resources = grow(h.Resources, len(set.Resources))
	for k := range set.Resources {
		r := &set.Resources[k]
		i, ok := h.index.findOrAdd(h.Resources, r.Kind, r.Name, len(h.Resources))
		if !ok {
			h.Resources = append(h.Resources, *r)
			continue
		}
		have := &h.Resources[i]
		if !maps.Equal(have.Attrs, r.Attrs) {
			return fmt.Errorf("%s is wanted differently by %s and %s", r.ID(), strings.Join(have.Owners, ", "), set.Owner)
		}
		for _, o := range r.Owners {
			if !slices.Contains(have.Owners, o) {
				have.Owners = append(have.Owners, o)
			}
		}
		for _, a := range r.After {
			if !slices.Contains(have.After, a) {
				have.After = append(have.After, a)
			}
		}
	}
	h.Checks = append(grow(h.Checks, len(set.Checks)), set.Checks...)
	return nil
}

// grow makes room for n more elements in s, doubling its capacity when
// it must grow: append grows a large slice by a quarter at a time, and a
// VXLAN member's resources (~3,000) arrive a declaration at a time.
func grow[E any](s []E, n int) []E {
	if len(s)+n <= cap(s) {
		return s
	}
	out := make([]E, len(s), max(2*cap(s), len(s)+n))
	copy(out, s)
	return out
}

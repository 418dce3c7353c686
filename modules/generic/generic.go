// Package generic holds the host declaration types (file, template,
// directory, symlink, line, package, service, sysctl, user, group,
// command), one file each (Types lists them): each describes itself to
// lang (lang.ItemKind: settings, checks, identity) and expands one item on
// one server. The package expands every item into the host resources of
// every server it targets, in apply order: declaration
// order, moved only where depends_on, references, watch or notify say one
// declaration comes after another. Services watching files get a
// restart_key hashed from what they watch, so a changed file restarts or
// reloads them (the handler). Pure: no host is touched here.
package generic

import (
	"fmt"
	"maps"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Owner is the declaration name an item's resources belong to:
// `file.motd`, `directory.app["/opt/app"]`.
func Owner(it *lang.Item) string { return it.Address() }

// Expand returns, per server name, one set per item in apply order.
// facts[name] is nil for a server whose facts are not known (offline):
// templates then render as host.Unknown.
func Expand(c *lang.Cluster, facts map[string]*core.Facts) (map[string][]*blocks.Set, error) {
	return ExpandHosts(c, facts, NewIndex(c.Items), nil)
}

// ExpandHosts is Expand for the servers in hosts only (nil = all), with
// the cluster's items indexed once (ix) for the many calls of a plan
// that expands a fleet some hosts at a time. The servers holding an
// item that one of theirs depends on are expanded too, for the
// cross-host order, and left out of the result.
func ExpandHosts(c *lang.Cluster, facts map[string]*core.Facts, ix *Index, hosts map[string]bool) (map[string][]*blocks.Set, error) {
	byType := types()
	out := map[string][]*blocks.Set{}
	made := built{Index: ix, res: map[string]map[*lang.Item][]core.Resource{}}
	need := ix.needed(hosts)
	var errs []string
	for _, srv := range c.Servers {
		if need != nil && !need[srv.Name] {
			continue
		}
		made.res[srv.Name] = map[*lang.Item][]core.Resource{}
		for _, it := range ix.items {
			if !made.targets(it, srv.Name) {
				continue
			}
			set, err := expandItem(c, it, srv.Name, facts[srv.Name], made, byType)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			made.res[srv.Name][it] = set.Resources
			out[srv.Name] = append(out[srv.Name], set)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	addCrossHost(c, out, made)
	for name := range out {
		if hosts != nil && !hosts[name] {
			delete(out, name)
		}
	}
	return out, nil
}

// addCrossHost makes the resources of an item come after those of the
// declarations it depends on that do not target its server, on their
// servers ("HOST:KIND/NAME").
func addCrossHost(c *lang.Cluster, out map[string][]*blocks.Set, made built) {
	for server, sets := range out {
		for it := range made.res[server] {
			var after []string
			for _, dep := range it.After {
				if made.declTargets(dep, server) {
					continue // on this server: dependencies() orders it
				}
				for _, other := range made.byDecl[dep] {
					for _, srv := range other.Servers {
						for _, r := range made.res[srv][other] {
							after = append(after, srv+":"+r.ID())
						}
					}
				}
			}
			if len(after) == 0 {
				continue
			}
			for _, set := range sets {
				if set.Owner != Owner(it) {
					continue
				}
				for i := range set.Resources {
					set.Resources[i].After = append(set.Resources[i].After, after...)
				}
			}
		}
	}
}

// declTargets tells whether any item of the declaration decl targets
// server: a declaration reading self has one item per server, and the
// others' items are not a cross-host dependency of this server's.
func (ix *Index) declTargets(decl, server string) bool {
	for _, it := range ix.byDecl[decl] {
		if ix.targets(it, server) {
			return true
		}
	}
	return false
}

// Index is the cluster's items indexed once: their apply order, and the
// servers each targets (a scan of every item's servers per server made
// expansion quadratic in servers).
type Index struct {
	items  []*lang.Item                   // in apply order (Order)
	byDecl map[string][]*lang.Item        // declaration -> its items, in order
	on     map[*lang.Item]map[string]bool // item -> the servers it targets
}

// NewIndex indexes items.
func NewIndex(items []*lang.Item) *Index {
	ix := &Index{items: Order(items), byDecl: map[string][]*lang.Item{},
		on: make(map[*lang.Item]map[string]bool, len(items))}
	for _, it := range items {
		ix.byDecl[it.Decl()] = append(ix.byDecl[it.Decl()], it)
		on := make(map[string]bool, len(it.Servers))
		for _, s := range it.Servers {
			on[s] = true
		}
		ix.on[it] = on
	}
	return ix
}

// needed are the servers to expand for hosts (nil = all): the hosts, and
// the servers of the declarations their items depend on elsewhere.
func (ix *Index) needed(hosts map[string]bool) map[string]bool {
	if hosts == nil {
		return nil
	}
	need := maps.Clone(hosts)
	for server := range hosts {
		for _, it := range ix.items {
			if !ix.targets(it, server) {
				continue
			}
			for _, dep := range it.After {
				if ix.declTargets(dep, server) {
					continue
				}
				for _, other := range ix.byDecl[dep] {
					for _, srv := range other.Servers {
						need[srv] = true
					}
				}
			}
		}
	}
	return need
}

// built are the resources made so far, by server and item.
type built struct {
	*Index
	res map[string]map[*lang.Item][]core.Resource // server -> item -> resources
}

// targets is it.Targets(server), by the index.
func (ix *Index) targets(it *lang.Item, server string) bool { return ix.on[it][server] }

// of are the resources item it made on server so far.
func (b built) of(server string, it *lang.Item) []core.Resource { return b.res[server][it] }

// Order sorts items so that each comes after the declarations in its
// After, keeping declaration order otherwise. lang rejects cycles; any
// left are broken in declaration order.
func Order(items []*lang.Item) []*lang.Item {
	byDecl := map[string][]int{}
	for i, it := range items {
		byDecl[it.Decl()] = append(byDecl[it.Decl()], i)
	}
	done := make([]bool, len(items))
	visiting := make([]bool, len(items))
	var out []*lang.Item
	var visit func(i int)
	visit = func(i int) {
		if done[i] || visiting[i] {
			return
		}
		visiting[i] = true
		for _, dep := range items[i].After {
			for _, j := range byDecl[dep] {
				visit(j)
			}
		}
		visiting[i] = false
		done[i] = true
		out = append(out, items[i])
	}
	for i := range items {
		visit(i)
	}
	return out
}

// resourceAttr is the resource attribute a setting becomes, where the
// names differ.
var resourceAttr = map[string]string{"validate": "check"}

// markSensitive names, on each resource of the item, the attributes
// holding a sensitive setting (sensitive = true, or computed from a
// sensitive variable), so that plan and apply print (sensitive) for them.
func markSensitive(it *lang.Item, set *blocks.Set) {
	for i := range set.Resources {
		r := &set.Resources[i]
		for _, name := range it.Sensitive {
			if a, ok := resourceAttr[name]; ok {
				name = a
			}
			if _, ok := r.Attrs[name]; ok && !r.IsSensitive(name) {
				r.Sensitive = append(r.Sensitive, name)
			}
		}
	}
}

// dependencies are the resource IDs, on this server, an item's resources
// come after: those of its After declarations.
func dependencies(c *lang.Cluster, it *lang.Item, server string, made built) []string {
	var after []string
	for _, dep := range it.After {
		if t := orderTargetOf(c, dep); t != nil {
			after = append(after, orderTargetID(t, server))
			continue
		}
		for _, other := range made.byDecl[dep] {
			if made.targets(other, server) {
				for _, r := range made.of(server, other) {
					after = append(after, r.ID())
				}
			}
		}
	}
	return after
}

// pick copies the non-empty settings named.
func pick(s map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		if v := s[k]; v != "" {
			out[k] = v
		}
	}
	return out
}

// orderTargetOf is the registered block (an attachment) a depends_on or
// watch entry names ("attachment.NAME"), or nil.
func orderTargetOf(c *lang.Cluster, decl string) lang.OrderTarget {
	for _, d := range c.Decls {
		if t, ok := d.(lang.OrderTarget); ok && t.DeclName() == decl {
			return t
		}
	}
	return nil
}

// orderTargetID is the resource of t as a dependency of something on
// server: on t's server (an attachment's namespace).
func orderTargetID(t lang.OrderTarget, server string) string {
	on, id := t.OrderResource()
	if on != server {
		return on + ":" + id
	}
	return id
}

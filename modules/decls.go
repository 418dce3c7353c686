package modules

import (
	"maps"
	"slices"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// declExpander is what modules asks of a registered block kind's model
// (lang.Cluster.Decls): what the declaration wants on each server.
type declExpander interface {
	Expand(c *lang.Cluster, facts map[string]*core.Facts) (map[string]*blocks.Set, error)
}

// expandDecls expands the declarations of every registered block kind,
// kind by kind in registration order (blockKinds), each kind's with its
// ExpandAll or else declaration by declaration, handing each host's sets
// to add and each error to fail, in that order.
func expandDecls(c *lang.Cluster, facts map[string]*core.Facts, add func(string, *blocks.Set), fail func(string)) {
	for _, bk := range blockKinds() {
		if bk.ExpandAll != nil {
			sets, err := bk.ExpandAll(c, facts)
			for _, name := range slices.Sorted(maps.Keys(sets)) {
				for _, set := range sets[name] {
					add(name, set)
				}
			}
			if err != nil {
				fail(err.Error())
			}
			continue
		}
		expandEach(c, facts, add, fail, c.DeclsOfType(bk.Type))
	}
}

// expandEach expands declarations one by one, in declaration order.
func expandEach(c *lang.Cluster, facts map[string]*core.Facts, add func(string, *blocks.Set), fail func(string), decls []lang.Decl) {
	for _, d := range decls {
		e, ok := d.(declExpander)
		if !ok {
			continue
		}
		sets, err := e.Expand(c, facts)
		if err != nil {
			fail(err.Error())
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(sets)) {
			add(name, sets[name])
		}
	}
}

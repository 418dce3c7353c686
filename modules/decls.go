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

// expandDecls expands every declaration of the block kinds kinds, kind by
// kind, each in declaration order, handing each host's set to add.
func expandDecls(c *lang.Cluster, facts map[string]*core.Facts, add func(string, *blocks.Set), kinds []lang.BlockKind) []string {
	var errs []string
	var decls []lang.Decl
	for _, bk := range kinds {
		decls = append(decls, c.DeclsOfType(bk.Type)...)
	}
	for _, d := range decls {
		e, ok := d.(declExpander)
		if !ok {
			continue
		}
		sets, err := e.Expand(c, facts)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(sets)) {
			add(name, sets[name])
		}
	}
	return errs
}

package lang

import (
	"github.com/hashicorp/hcl/v2"
)

// Meta-arguments every host declaration takes.
const (
	metaForEach   = "for_each"
	metaCount     = "count"
	metaServers   = "servers"
	metaWhere     = "where"
	metaDependsOn = "depends_on"
	metaNotify    = "notify" // not on Restartable types (services)
	metaWatch     = "watch"  // Restartable types (services) only
)

// Instance roots: each.key/each.value under for_each, count.index under
// count.
const (
	rootEach  = "each"
	rootCount = "count"
)

// genericSchema is a declaration's body schema: its settings plus the
// meta-arguments.
func genericSchema(ik ItemKind) *hcl.BodySchema {
	s := bodySchema(ik.specs())
	meta := []string{metaForEach, metaCount, metaServers, metaWhere, metaDependsOn}
	if ik.Restartable {
		meta = append(meta, metaWatch)
	} else {
		meta = append(meta, metaNotify)
	}
	for _, m := range meta {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: m})
	}
	return s
}

// staticRefAttrs are the meta-arguments holding references to other
// declarations, decoded without evaluation.
func isStaticRefAttr(name string) bool {
	return name == metaDependsOn || name == metaNotify || name == metaWatch
}

// itemSchemas are the top-level blocks of the registered host
// declaration types, each labelled with its name.
func (k *Kinds) itemSchemas() []hcl.BlockHeaderSchema {
	var out []hcl.BlockHeaderSchema
	for _, ik := range k.itemsInOrder() {
		out = append(out, hcl.BlockHeaderSchema{Type: ik.Type, LabelNames: []string{"name"}})
	}
	return out
}

package lang

import "github.com/zclconf/go-cty/cty"

// attrCapacity is the server setting job placement packs against: how many
// job instances the server holds, 0 = no limit.
const attrCapacity = "capacity"

// serverCapacitySpecs are the server settings jobs add.
func serverCapacitySpecs() []attrSpec {
	return inBlock("server", []attrSpec{
		{name: attrCapacity, typ: cty.Number, deflt: num(0), example: "8"},
	})
}

// assembleServerCapacity sets the server's job settings.
func (l *loader) assembleServerCapacity(s *Server, d *serverDecl) {
	s.Capacity, _ = l.intOf(d.attrs[attrCapacity])
}

package generic

import (
	"maps"
	"slices"
)

// DependsOn are the other servers whose items server's items depend on
// (their "HOST:KIND/NAME" order): expanding server's items expands
// theirs too, with their facts (modules.FactScope).
func (ix *Index) DependsOn(server string) []string {
	need := ix.needed(map[string]bool{server: true})
	delete(need, server)
	return slices.Sorted(maps.Keys(need))
}

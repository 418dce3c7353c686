package modules

import "github.com/drover/drover/core"

// orderByAfter puts each resource after the resources of the same host it
// comes after (Resource.After without a "HOST:" prefix), keeping the
// expansion order otherwise: a host applies its resources in list order,
// and a declaration expanded early may depend on one expanded later (a
// service that runs in an attachment's namespace). A loop (lang rejects
// them) leaves its resources in expansion order.
func orderByAfter(rs []core.Resource) []core.Resource {
	index := make(map[string]int, len(rs))
	for i, r := range rs {
		index[r.ID()] = i
	}
	placed := make([]bool, len(rs))
	visiting := make([]bool, len(rs))
	out := make([]core.Resource, 0, len(rs))
	var place func(i int)
	place = func(i int) {
		if placed[i] || visiting[i] {
			return
		}
		visiting[i] = true
		for _, dep := range rs[i].After {
			if j, ok := index[dep]; ok {
				place(j)
			}
		}
		visiting[i] = false
		placed[i] = true
		out = append(out, rs[i])
	}
	for i := range rs {
		place(i)
	}
	return out
}

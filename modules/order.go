package modules

import "github.com/drover/drover/core"

// orderByAfter puts each resource after the resources of the same host it
// comes after (Resource.After without a "HOST:" prefix), keeping the
// expansion order otherwise: a host applies its resources in list order,
// and a declaration expanded early may depend on one expanded later (a
// service that runs in an attachment's namespace). A loop (lang rejects
// them) leaves its resources in expansion order. index maps each
// resource to its position in rs. When every resource already comes
// after those it names (the usual case), rs is returned as it is.
func orderByAfter(rs []core.Resource, index *resourceIndex) []core.Resource {
	if inOrder(rs, index) {
		return rs
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
			if j, ok := index.findID(rs, dep); ok {
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

// inOrder reports whether every resource of rs comes after the resources
// of rs it names in After.
func inOrder(rs []core.Resource, index *resourceIndex) bool {
	for i, r := range rs {
		for _, dep := range r.After {
			if j, ok := index.findID(rs, dep); ok && j >= i {
				return false
			}
		}
	}
	return true
}

package modules

import (
	"fmt"
	"testing"

	"github.com/drover/drover/core"
)

func TestResourceIndex(t *testing.T) {
	x := newResourceIndex(0)
	var rs []core.Resource
	for i := range 5000 { // grows many times
		kind := []string{"fdb", "neigh", "link"}[i%3]
		name := fmt.Sprintf("vx1/%d", i/3)
		pos, found := x.findOrAdd(rs, kind, name, len(rs))
		if found || pos != len(rs) {
			t.Fatalf("findOrAdd(%s/%s) of a new resource = %d, %v", kind, name, pos, found)
		}
		rs = append(rs, core.Resource{Kind: kind, Name: name})
	}
	for i, r := range rs {
		if pos, found := x.findOrAdd(rs, r.Kind, r.Name, len(rs)); !found || pos != i {
			t.Fatalf("findOrAdd(%s) = %d, %v; want %d, true", r.ID(), pos, found, i)
		}
		if pos, found := x.findID(rs, r.ID()); !found || pos != i {
			t.Fatalf("findID(%s) = %d, %v; want %d, true", r.ID(), pos, found, i)
		}
	}
	for _, id := range []string{"fdb/vx1/1/", "addr/vx1/1", "s1:fdb/vx1/1", "fdb", "", "link/vx1/1666"} {
		if pos, found := x.findID(rs, id); found {
			t.Errorf("findID(%q) = %d, found", id, pos)
		}
	}
	var none *resourceIndex
	if _, found := none.findID(nil, "fdb/x"); found {
		t.Error("a nil index finds something")
	}
}

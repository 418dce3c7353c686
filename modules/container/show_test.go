package container

import (
	"reflect"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// A container that runs on servers is drawn joined to them and to its
// networks; a base for jobs only is not drawn.
func TestTopologyNode(t *testing.T) {
	k := &Decl{Name: "web", Servers: []string{"s1"}, Interfaces: []NetInterface{
		{Network: lang.SubnetNetwork}, {Network: "vx1", Address: "100.64.10.20"}}}
	want := core.TopoNode{ID: "container/web", Shape: "component", Color: "white", Label: []string{"container web"},
		Edges: []core.TopoEdge{{To: "server/s1", Style: "bold"}, {To: "subnets", Style: "dotted"},
			{To: "network/vx1", Label: "100.64.10.20", Style: "dotted"}}}
	if got := k.TopologyNode(); !reflect.DeepEqual(got, want) {
		t.Errorf("node:\n got %+v\nwant %+v", got, want)
	}
	if got := (&Decl{Name: "base"}).TopologyNode(); got.ID != "" {
		t.Errorf("a base-only container is drawn: %+v", got)
	}
}

package job

import (
	"reflect"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// A job is drawn with its count and container, joined to its candidate
// servers and its network.
func TestTopologyNode(t *testing.T) {
	j := &Decl{Name: "web", Count: 4, Container: "web", Servers: []string{"s1", "s2"}, Network: lang.SubnetNetwork}
	want := core.TopoNode{ID: "job/web", Shape: "component", Color: "plum", Label: []string{"job web ×4", "container web"},
		Edges: []core.TopoEdge{{To: "server/s1", Style: "bold"}, {To: "server/s2", Style: "bold"}, {To: "subnets", Style: "dotted"}}}
	if got := j.TopologyNode(); !reflect.DeepEqual(got, want) {
		t.Errorf("node:\n got %+v\nwant %+v", got, want)
	}
}

package attachment

import (
	"context"
	"slices"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

type factsLive struct{ f *core.Facts }

func (l factsLive) Facts() *core.Facts { return l.f }

func (l factsLive) Check(context.Context, []core.Check) ([]core.CheckResult, error) { return nil, nil }

// TestShowRow joins an attachment with its server's facts: the live
// lease, an absent namespace, a server not reached or not in --limit.
func TestShowRow(t *testing.T) {
	c := cluster()
	a := &Decl{Name: "web2", Server: "s2", Network: "vx1", DHCP: true}
	lease := &core.Facts{Outputs: map[string]map[string]string{"netns/web2": {"address": "100.64.10.130/24", "state": "up"}}}
	errOf := func(string) string { return "dial tcp: no route" }
	for _, tc := range []struct {
		live  core.Live
		why   string
		cells []string
		err   string
	}{
		{factsLive{lease}, "", []string{"web2", "s2", "vx1", "vxl0", "dhcp", "up", "100.64.10.130/24"}, ""},
		{factsLive{&core.Facts{}}, "", []string{"web2", "s2", "vx1", "vxl0", "dhcp", "absent", "-"}, ""},
		{nil, "unreachable", []string{"web2", "s2", "vx1", "vxl0", "dhcp", "unreachable", "-"}, "dial tcp: no route"},
		{nil, "not in --limit", []string{"web2", "s2", "vx1", "vxl0", "dhcp", "not in --limit", "-"}, ""},
	} {
		live := func(string) (core.Live, string) { return tc.live, tc.why }
		row := a.ShowRowErr(context.Background(), c, live, errOf).(Row)
		if !slices.Equal(row.Cells(), tc.cells) || row.Error != tc.err {
			t.Errorf("%s: row %+v cells %q, want %q error %q", tc.why, row, row.Cells(), tc.cells, tc.err)
		}
	}
}

// TestTopologyNode draws an attachment on the container subnet.
func TestTopologyNode(t *testing.T) {
	n := (&Decl{Name: "c1", Server: "s1", Network: lang.AttachSubnet}).TopologyNode()
	if n.ID != "attachment/c1" || !slices.Equal(n.Label, []string{"attachment c1", "DHCP"}) ||
		len(n.Edges) != 2 || n.Edges[0].To != "server/s1" || n.Edges[1].To != "subnets" {
		t.Errorf("node = %+v", n)
	}
}

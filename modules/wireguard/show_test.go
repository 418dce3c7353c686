package wireguard

import (
	"context"
	"testing"

	"github.com/drover/drover/core"
)

type factsLive struct{ f *core.Facts }

func (l factsLive) Facts() *core.Facts { return l.f }

func (l factsLive) Check(context.Context, []core.Check) ([]core.CheckResult, error) { return nil, nil }

func TestShowMember(t *testing.T) {
	c, n := cluster(TopologyMesh, "")
	w := n.Spec.(*Network)
	if row := w.ShowMember(context.Background(), w.Members[0], c, nil); row.Subnet != "100.64.20.0/24" || row.Device != "wg0" || row.State != "" {
		t.Errorf("declared row = %+v", row)
	}
	wg0 := core.Interface{Name: "wg0", MTU: 1420, Up: true, Addrs: []string{"100.64.20.1/24"}}
	for _, tc := range []struct {
		kinds  []string
		device string
	}{{[]string{"wireguard"}, "wg0"}, {nil, "wg0 (wireguard-go)"}} {
		f := &core.Facts{Interfaces: []core.Interface{wg0}, LinkKinds: tc.kinds}
		row := w.ShowMember(context.Background(), w.Members[0], c, factsLive{f})
		if row.State != "up" || row.MTU != 1420 || row.Address != "100.64.20.1/24" || row.Device != tc.device {
			t.Errorf("link kinds %v: row = %+v, want up on %s", tc.kinds, row, tc.device)
		}
	}
	if row := w.ShowMember(context.Background(), w.Members[0], c, factsLive{&core.Facts{LinkKinds: []string{"wireguard"}}}); row.State != "absent" {
		t.Errorf("no interface: state %q, want absent", row.State)
	}
}

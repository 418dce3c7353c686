package l2vpn

import (
	"context"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

type factsLive struct{ f *core.Facts }

func (l factsLive) Facts() *core.Facts { return l.f }

func (l factsLive) Check(context.Context, []core.Check) ([]core.CheckResult, error) { return nil, nil }

func TestShowMember(t *testing.T) {
	v := &Network{Subnet: "100.64.30.0/24", Bridge: "vpl0", Interface: "peer0", VNI: 1, Members: []lang.Member{{Server: "s1"}}}
	if row := v.ShowMember(context.Background(), v.Members[0], &lang.Cluster{}, nil); row.Subnet != "100.64.30.0/24" || row.Bridge != "vpl0" || row.Device != "peer0,vpv1" || row.State != "" {
		t.Errorf("declared row = %+v", row)
	}
	ifcs := []core.Interface{
		{Name: "vpl0", MTU: 1370, Up: true, Addrs: []string{"100.64.30.1/24"}},
		{Name: "peer0", MTU: 1420, Up: true}, {Name: "vpv1", MTU: 1370, Up: true},
	}
	row := v.ShowMember(context.Background(), v.Members[0], &lang.Cluster{}, factsLive{&core.Facts{Interfaces: ifcs}})
	if row.State != "up" || row.MTU != 1370 || row.Address != "100.64.30.1/24" {
		t.Errorf("live row = %+v", row)
	}
	row = v.ShowMember(context.Background(), v.Members[0], &lang.Cluster{}, factsLive{&core.Facts{Interfaces: ifcs[:2]}})
	if row.State != "absent" {
		t.Errorf("no VXLAN device: state %q, want absent", row.State)
	}
}

// The network tells core code its bridge, its DHCP server and what it
// claims on each member.
func TestInterfaces(t *testing.T) {
	var spec lang.NetworkSpec = &Network{Subnet: "100.64.30.0/24", Bridge: "vpl0", Interface: "peer0", Port: 51821, DHCP: true, DHCPHost: "s2"}
	if b, s := spec.(lang.ContainerNetwork).ContainerBridge(); b != "vpl0" || s != "100.64.30.0/24" {
		t.Errorf("ContainerBridge = %s %s", b, s)
	}
	if b, s := spec.(lang.AttachableNetwork).AttachBridge(); b != "vpl0" || s != "100.64.30.0/24" {
		t.Errorf("AttachBridge = %s %s", b, s)
	}
	if h, on := spec.(lang.DHCPNetwork).DHCPServer(); h != "s2" || !on {
		t.Errorf("DHCPServer = %s %v", h, on)
	}
	if got := spec.Claims(); len(got) != 3 || got[0].Value != "vpl0" || got[1].Value != "peer0" || got[2].Value != "51821" {
		t.Errorf("Claims = %+v", got)
	}
}

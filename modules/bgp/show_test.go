package bgp

import (
	"context"
	"errors"
	"testing"

	"github.com/drover/drover/core"
)

// fakeLive is a reached member: its facts, and bird's answer to the
// report check (err: bird does not answer).
type fakeLive struct {
	facts    *core.Facts
	birdc    string
	err      error
	asked    []core.Check
	answerOK bool
}

func (f *fakeLive) Facts() *core.Facts { return f.facts }

func (f *fakeLive) Check(_ context.Context, checks []core.Check) ([]core.CheckResult, error) {
	f.asked = append(f.asked, checks...)
	if f.err != nil {
		return nil, f.err
	}
	return []core.CheckResult{{Check: checks[0], OK: f.answerOK, Detail: f.birdc + "\x00routes"}}, nil
}

const protocols = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     12:00:00.000
peer_s1    BGP        ---        up     12:00:01.000  Established
peer_s2    BGP        ---        start  12:00:01.000  Active
`

func TestShowMember(t *testing.T) {
	c, n := cluster(0)
	b := n.Spec.(*Network)
	m := b.Members[0] // s3, announcing 100.66.3.0/24 besides its container subnet
	facts := &core.Facts{Interfaces: []core.Interface{{Name: "cbr0", MTU: 1500, Up: true, Addrs: []string{"100.65.3.1/24"}}}}
	c.Servers[2].Bridge = "cbr0"

	row := b.ShowMember(context.Background(), m, c, nil)
	if row.Device != "bird" || row.Subnet != "100.65.3.0/24,100.66.3.0/24" || row.Bridge != "cbr0" || row.State != "" {
		t.Errorf("declared row = %+v", row)
	}

	live := &fakeLive{facts: facts, birdc: protocols, answerOK: true}
	row = b.ShowMember(context.Background(), m, c, live)
	if row.State != "1/2 established" || row.MTU != 1500 || row.Address != "100.65.3.1/24" {
		t.Errorf("live row = %+v", row)
	}
	if len(live.asked) != 1 || live.asked[0].Kind != "bgp" || live.asked[0].Attrs["socket"] != Socket || live.asked[0].Attrs["report"] != "true" {
		t.Errorf("asked bird %+v", live.asked)
	}

	live.birdc = protocols[:len(protocols)-len("peer_s2    BGP        ---        start  12:00:01.000  Active\n")] +
		"peer_s2    BGP        ---        up     12:00:01.000  Established\n"
	if row = b.ShowMember(context.Background(), m, c, live); row.State != "up" {
		t.Errorf("all established: state %q, want up", row.State)
	}

	for _, l := range []*fakeLive{{facts: facts, err: errors.New("no helper")}, {facts: facts, birdc: "connection refused"}} {
		if row = b.ShowMember(context.Background(), m, c, l); row.State != "absent" {
			t.Errorf("bird not answering: state %q, want absent", row.State)
		}
	}
}

func TestBirdStates(t *testing.T) {
	got := BirdStates(protocols)
	want := map[string]BirdState{"peer_s1": {"Established", "12:00:01.000"}, "peer_s2": {"Active", "12:00:01.000"}}
	if len(got) != len(want) || got["peer_s1"] != want["peer_s1"] || got["peer_s2"] != want["peer_s2"] {
		t.Errorf("BirdStates = %+v, want %+v", got, want)
	}
}

func TestNetworkOf(t *testing.T) {
	c, n := cluster(0)
	if got := NetworkOf(c, "s2"); got != n {
		t.Errorf("NetworkOf(s2) = %v, want %s", got, n.Name)
	}
	if got := NetworkOf(c, "s9"); got != nil {
		t.Errorf("NetworkOf(s9) = %s, want none", got.Name)
	}
}

package bgp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// ShowMember is member m's row of `drover show networks`: the subnets it
// announces, and its bird's sessions, asked through live: "up" when every
// one is Established, else how many are.
func (b *Network) ShowMember(ctx context.Context, m lang.Member, c *lang.Cluster, live core.Live) core.NetworkRow {
	row := core.NetworkRow{Device: "bird"}
	srv := c.Server(m.Server)
	if srv != nil && srv.Subnet != "" && b.ContainerSubnets {
		row.Subnet, row.Bridge = srv.Subnet, srv.Bridge
	}
	if extra := b.Announce[m.Server]; len(extra) > 0 {
		row.Subnet = strings.TrimPrefix(row.Subnet+","+strings.Join(extra, ","), ",")
	}
	if live == nil {
		return row
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	results, err := live.Check(ctx, []core.Check{ReportCheck("show networks " + m.Server)})
	if err != nil || len(results) != 1 || !results[0].OK {
		row.State = "absent"
		return row
	}
	protocols, _, _ := strings.Cut(results[0].Detail, "\x00")
	row.State = sessionsState(BirdStates(protocols), len(b.Members)-1)
	f := live.Facts()
	if ifc, ok := f.Interface(row.Bridge); ok && row.Bridge != "" {
		row.MTU, row.Address = ifc.MTU, strings.Join(ifc.Addrs, " ")
		return row
	}
	// No container bridge: the sessions' own link, the one holding the
	// server's address.
	if srv != nil {
		if ifc, ok := f.InterfaceWithIP(srv.Address); ok {
			row.MTU, row.Address = ifc.MTU, srv.Address
		}
	}
	return row
}

// ReportCheck asks a member's bird for its sessions and the routes it
// knows: the result's Detail is `birdc show protocols`, a NUL, then
// `birdc show route`. title says who asks.
func ReportCheck(title string) core.Check {
	return core.Check{Kind: "bgp", Title: title, Attrs: map[string]string{"socket": Socket, "report": "true"}}
}

// NetworkOf is the BGP network server is a member of (a server is in one
// at most), nil for none.
func NetworkOf(c *lang.Cluster, server string) *lang.Network {
	for _, n := range c.Networks {
		b, ok := n.Spec.(*Network)
		if ok && slices.ContainsFunc(b.Members, func(m lang.Member) bool { return m.Server == server }) {
			return n
		}
	}
	return nil
}

// sessionsState is "up" when all of peers sessions are Established, else
// how many of them are.
func sessionsState(states map[string]BirdState, peers int) string {
	up := 0
	for _, st := range states {
		if st.State == "Established" {
			up++
		}
	}
	if up == len(states) && up == peers {
		return "up"
	}
	return fmt.Sprintf("%d/%d established", up, len(states))
}

// BirdState is one BGP session as `birdc show protocols` reports it.
type BirdState struct{ State, Since string }

// BirdStates reads `birdc show protocols`: BGP protocols by name with the
// session state (the Info column) and since when.
func BirdStates(out string) map[string]BirdState {
	states := map[string]BirdState{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[1] != "BGP" {
			continue
		}
		st := BirdState{State: f[3], Since: f[4]}
		if len(f) >= 6 {
			st.State = f[5]
		}
		states[f[0]] = st
	}
	return states
}

package modules

import (
	"slices"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/generic"
)

// FactScope tells, for a cluster whose hosts' desired states each read
// the facts of a few servers only, which ones: a plan then plans each
// host as soon as those servers' facts are in, on the connection that
// gathered its own (runner: Options.FactScope), instead of waiting for
// the whole fleet's facts. Each host's scope holds the host itself, the
// members of the VXLAN networks it is in (each member's entries for its
// peers read the peers' facts), and the servers of the host
// declarations its own depend on (the cross-host order). ok is false
// when some host's desired state may read any server's facts: a network
// of another kind, a block kind (jobs, services, VIPs, ...: their
// placement spans hosts) or a server whose address is learned from its
// facts. TestFactScopeIsEnough expands every fixture and playbook that
// has a scope host by host with only its scope's facts and compares.
func FactScope(c *lang.Cluster) (scope func(host string) []string, ok bool) {
	if len(c.Decls) > 0 || learns(c) {
		return nil, false
	}
	peers := map[string][]string{}
	for _, n := range c.Networks {
		members, ok := hostsExpandedMembers(n)
		if !ok {
			return nil, false
		}
		for _, m := range members {
			peers[m] = append(peers[m], members...)
		}
	}
	ix := generic.NewIndex(c.Items)
	return func(host string) []string {
		out := append([]string{host}, peers[host]...)
		out = append(out, ix.DependsOn(host)...)
		slices.Sort(out)
		return slices.Compact(out)
	}, true
}

// hostsExpandedMembers are the member servers of a network whose kind
// expands some hosts at a time (Stream) and reads its members' facts
// only; ok is false for any other kind.
func hostsExpandedMembers(n *lang.Network) ([]string, bool) {
	m, ok := n.Spec.(interface {
		networkHostsExpander
		MemberServers() []string
	})
	if !ok {
		return nil, false
	}
	return m.MemberServers(), true
}

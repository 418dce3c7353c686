package modules

import (
	"slices"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/attachment"
	"github.com/drover/drover/modules/bgp"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/bridge"
	"github.com/drover/drover/modules/consul"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/database"
	"github.com/drover/drover/modules/generic"
	"github.com/drover/drover/modules/job"
	"github.com/drover/drover/modules/l2vpn"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/modules/mesh"
	"github.com/drover/drover/modules/tunnel"
	"github.com/drover/drover/modules/vip"
	"github.com/drover/drover/modules/vxlan"
	"github.com/drover/drover/modules/web"
	"github.com/drover/drover/modules/wireguard"
)

// Kinds are the declaration kinds whose packages describe themselves to
// lang (schema, validation, model) and expand themselves: network kinds,
// block kinds (blockKinds) and host declaration types (generic.Types).
// Pass it to lang.Load as Options.Kinds.
func Kinds() *lang.Kinds {
	k := lang.NewKinds()
	for _, nk := range slices.Concat(
		[]lang.NetworkKind{vxlan.Kind(), bridge.Kind(), bgp.Kind(), wireguard.Kind(), l2vpn.Kind(), mesh.Kind()},
		tunnel.Kinds(),
	) {
		k.AddNetwork(nk)
	}
	for _, bk := range blockKinds() {
		k.AddBlock(bk.BlockKind)
	}
	for _, t := range generic.Types() {
		k.AddItem(t.Kind)
	}
	k.AddFinalCheck(job.Fits)
	return k
}

// blockKind is a registered block kind as modules sees it: how lang reads
// it, and how its declarations expand. Without ExpandAll each model
// expands itself (declExpander, decls.go), declaration by declaration.
type blockKind struct {
	lang.BlockKind
	// ExpandAll expands every declaration of the kind at once, for kinds
	// whose declarations depend on each other (jobs' placement).
	ExpandAll func(c *lang.Cluster, facts map[string]*core.Facts) (map[string][]*blocks.Set, error)
}

// blockKinds are the block kinds: the one list a new block kind is added
// to. In this order their blocks validate (the first of two names or
// ports wins) and expand on each host (after the servers, the networks and
// the host declarations): the cluster services, the attachments, then
// the containers, the jobs (with the DNS names of both) and the Consul
// kinds, which register their services.
func blockKinds() []blockKind {
	out := []blockKind{{BlockKind: lb.Kind()}, {BlockKind: web.Kind()}, {BlockKind: vip.Kind()},
		{BlockKind: database.Kind()}, {BlockKind: attachment.Kind()},
		{BlockKind: container.Kind(), ExpandAll: expandContainers},
		{BlockKind: job.Kind(), ExpandAll: expandJobs}}
	for i, bk := range consul.Kinds() {
		k := blockKind{BlockKind: bk}
		if i == 0 {
			k.ExpandAll = consul.Expand // every Consul kind's agents and registrations
		}
		out = append(out, k)
	}
	return out
}

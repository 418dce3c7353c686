package modules

import (
	"slices"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/attachment"
	"github.com/drover/drover/modules/bgp"
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
// lang (schema, validation, model) and expand themselves: the one list a
// new kind is added to. Pass it to lang.Load as Options.Kinds.
//
// Block kinds expand in one of two places, as before they moved to their
// own packages: serviceBlocks among the cluster services (before the
// databases), hostBlocks after all the services; the Consul kinds expand
// with the containers and jobs whose services they register
// (expandContainers).
func Kinds() *lang.Kinds {
	k := lang.NewKinds()
	for _, nk := range slices.Concat(
		[]lang.NetworkKind{vxlan.Kind(), bridge.Kind(), bgp.Kind(), wireguard.Kind(), l2vpn.Kind(), mesh.Kind()},
		tunnel.Kinds(),
	) {
		k.AddNetwork(nk)
	}
	// In this order their blocks validate (the first of two names or
	// ports wins) and expand on each host: the services, then the host
	// blocks, then the Consul kinds (with the containers and jobs).
	for _, bk := range slices.Concat(serviceBlocks(), hostBlocks(), lateBlocks(), consul.Kinds()) {
		k.AddBlock(bk)
	}
	for _, t := range generic.Types() {
		k.AddItem(t.Kind)
	}
	k.AddFinalCheck(job.Fits)
	return k
}

// serviceBlocks are the cluster services, in the order they expand.
func serviceBlocks() []lang.BlockKind {
	return []lang.BlockKind{lb.Kind(), web.Kind(), vip.Kind(), database.Kind()}
}

// hostBlocks are the block kinds that expand after the services, before
// containers and jobs.
func hostBlocks() []lang.BlockKind {
	return []lang.BlockKind{attachment.Kind()}
}

// lateBlocks are the block kinds validated with the static addresses of
// the networks' members, claiming their own, before the Consul kinds:
// containers, then jobs. Their expansion is expandContainers'.
func lateBlocks() []lang.BlockKind {
	return []lang.BlockKind{container.Kind(), job.Kind()}
}

package modules

import (
	"slices"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/bgp"
	"github.com/drover/drover/modules/bridge"
	"github.com/drover/drover/modules/database"
	"github.com/drover/drover/modules/l2vpn"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/modules/tunnel"
	"github.com/drover/drover/modules/vip"
	"github.com/drover/drover/modules/vxlan"
	"github.com/drover/drover/modules/web"
	"github.com/drover/drover/modules/wireguard"
)

// Kinds are the declaration kinds whose packages describe themselves to
// lang (schema, validation, model) and expand themselves: the one list a
// new kind is added to. Pass it to lang.Load as Options.Kinds.
func Kinds() *lang.Kinds {
	k := lang.NewKinds()
	for _, nk := range slices.Concat(
		[]lang.NetworkKind{vxlan.Kind(), bridge.Kind(), bgp.Kind(), wireguard.Kind(), l2vpn.Kind()},
		tunnel.Kinds(),
	) {
		k.AddNetwork(nk)
	}
	// In this order their blocks expand on each host, validate (the
	// first of two names or ports wins), and are counted.
	for _, bk := range []lang.BlockKind{
		lb.Kind(),
		web.Kind(),
		vip.Kind(),
		database.Kind(),
	} {
		k.AddBlock(bk)
	}
	return k
}

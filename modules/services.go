package modules

import (
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// expandServices runs the cluster service modules (the registered block
// kinds: load balancers, web servers, VIPs, databases, in registration
// order), handing each host's set to add, and returns their errors.
func expandServices(c *lang.Cluster, facts map[string]*core.Facts, add func(string, *blocks.Set)) []string {
	return expandDecls(c, facts, add, serviceBlocks())
}

package modules

import (
	"maps"
	"slices"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/database"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/modules/web"
)

// expandServices runs the cluster service modules (load balancers, web
// servers, VIPs, databases), handing each host's set to add, and returns
// their errors.
func expandServices(c *lang.Cluster, facts map[string]*core.Facts, add func(string, *blocks.Set)) []string {
	var errs []string
	addAll := func(sets map[string]*blocks.Set) {
		for _, name := range slices.Sorted(maps.Keys(sets)) {
			add(name, sets[name])
		}
	}
	for _, b := range c.LoadBalancers {
		set, err := lb.Expand(b, c)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		add(b.Server, set)
	}
	for _, w := range c.WebServers {
		sets, err := web.Expand(w, c)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		addAll(sets)
	}
	// The registered block kinds (VIPs), in registration order, before
	// the databases as before they moved to their own packages.
	errs = append(errs, expandDecls(c, facts, add, serviceBlocks())...)
	for _, d := range c.Databases {
		set, err := database.Expand(d, c.Databases)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		add(d.Server, set)
		addAll(database.LoginChecks(d, c))
	}
	return errs
}

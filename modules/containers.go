package modules

import (
	"maps"
	"slices"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/consul"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/discovery"
	"github.com/drover/drover/modules/job"
)

// expandContainers runs the container and job modules and publishes their
// services in DNS (discovery), handing each host's sets to add, and returns
// their errors.
func expandContainers(c *lang.Cluster, facts map[string]*core.Facts, add func(string, *blocks.Set)) []string {
	var errs []string
	for _, k := range container.Containers(c) {
		sets, err := container.Expand(k, c)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(sets)) {
			add(name, sets[name])
		}
	}
	sets, err := job.Expand(c, facts)
	if err != nil {
		return append(errs, err.Error())
	}
	for _, name := range slices.Sorted(maps.Keys(sets)) {
		for _, set := range sets[name] {
			add(name, set)
		}
	}
	names := discovery.Expand(c, facts)
	for _, name := range slices.Sorted(maps.Keys(names)) {
		for _, set := range names[name] {
			add(name, set)
		}
	}
	agents, err := consul.Expand(c, facts)
	if err != nil {
		return append(errs, err.Error())
	}
	for _, name := range slices.Sorted(maps.Keys(agents)) {
		for _, set := range agents[name] {
			add(name, set)
		}
	}
	return errs
}

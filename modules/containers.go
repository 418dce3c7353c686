package modules

import (
	"errors"
	"maps"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/discovery"
	"github.com/drover/drover/modules/job"
)

// expandContainers runs the container module for every container.
func expandContainers(c *lang.Cluster, _ map[string]*core.Facts) (map[string][]*blocks.Set, error) {
	out := map[string][]*blocks.Set{}
	var errs []error
	for _, k := range container.Containers(c) {
		sets, err := container.Expand(k, c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for name, set := range sets {
			out[name] = append(out[name], set)
		}
	}
	return out, errors.Join(errs...)
}

// expandJobs runs the job module, then publishes the services of
// containers and jobs in DNS (discovery).
func expandJobs(c *lang.Cluster, facts map[string]*core.Facts) (map[string][]*blocks.Set, error) {
	out, err := job.Expand(c, facts)
	if err != nil {
		return nil, err
	}
	out = maps.Clone(out)
	for name, sets := range discovery.Expand(c, facts) {
		out[name] = append(out[name], sets...)
	}
	return out, nil
}

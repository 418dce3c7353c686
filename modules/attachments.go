package modules

import (
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/attachment"
	"github.com/drover/drover/modules/blocks"
)

// expandAttachments runs the attachment module (container-like namespaces
// on networks), handing each server's set to add, and returns its errors.
func expandAttachments(c *lang.Cluster, _ map[string]*core.Facts, add func(string, *blocks.Set)) []string {
	var errs []string
	for _, a := range c.Attachments {
		set, err := attachment.Expand(a, c)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		add(a.Server, set)
	}
	return errs
}

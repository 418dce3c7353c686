package runner

import (
	"slices"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// ItemRows are the rows of `drover show items`: every host declaration
// instance on every server it targets, joined with the plan's changes to
// the resources it owns there, in declaration order.
func ItemRows(c *lang.Cluster, p *Plan) []core.ItemRow {
	byHost := map[string]*HostPlan{}
	for _, hp := range p.Hosts {
		byHost[hp.Host] = hp
	}
	var rows []core.ItemRow
	for _, it := range c.Items {
		for _, srv := range it.Servers {
			rows = append(rows, itemRow(it, srv, byHost[srv]))
		}
	}
	return rows
}

// itemRow is one item on one server (hp nil: not planned).
func itemRow(it *lang.Item, srv string, hp *HostPlan) core.ItemRow {
	row := core.ItemRow{Item: it.Address(), Server: srv, State: "in sync"}
	if hp == nil || hp.Error != "" {
		row.State = "unreachable"
		if hp != nil {
			row.Error = hp.Error
		}
		return row
	}
	for _, ch := range hp.Changes {
		if !slices.Contains(ch.Resource.Owners, it.Address()) {
			continue
		}
		row.Resources = append(row.Resources, ch.Resource.ID())
		row.State = worse(row.State, ch.Action)
	}
	return row
}

// worse combines a row's state with one of its resources' actions.
func worse(state string, a core.Action) string {
	switch {
	case a == core.Create && state == "in sync":
		return "to create"
	case a == core.Update || a == core.Replace:
		return "to change"
	}
	return state
}

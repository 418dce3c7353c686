package runner

import (
	"reflect"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
)

// ItemRows joins each item's servers with the plan's changes to what it
// owns: a change makes its row "to change", a server whose plan failed is
// unreachable with its error, a server without changes is in sync.
func TestItemRows(t *testing.T) {
	c := &lang.Cluster{Items: []*lang.Item{{Kind: "file", Name: "motd", Servers: []string{"s1", "s2", "s3"}}}}
	owned := core.Resource{Kind: "file", Name: "/etc/motd", Owners: []string{"file.motd"}}
	other := core.Resource{Kind: "file", Name: "/etc/other", Owners: []string{"file.other"}}
	p := &Plan{Hosts: []*HostPlan{
		{Host: "s1", Changes: []core.Change{{Action: core.Create, Resource: owned}, {Action: core.Update, Resource: other}}},
		{Host: "s2"},
		{Host: "s3", Error: "dial tcp: connection refused"},
	}}
	want := []core.ItemRow{
		{Item: "file.motd", Server: "s1", State: "to create", Resources: []string{"file//etc/motd"}},
		{Item: "file.motd", Server: "s2", State: "in sync"},
		{Item: "file.motd", Server: "s3", State: "unreachable", Error: "dial tcp: connection refused"},
	}
	if got := ItemRows(c, p); !reflect.DeepEqual(got, want) {
		t.Errorf("ItemRows =\n%+v\nwant\n%+v", got, want)
	}
}

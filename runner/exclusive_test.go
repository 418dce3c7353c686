package runner

import (
	"testing"

	"github.com/drover/drover/core"
)

func TestExclusiveGroups(t *testing.T) {
	vip := core.Check{Kind: "addr", Title: "exactly one server holds VIP 198.51.100.100", Exclusive: "vip.front"}
	byHost := map[string]*HostResult{
		"s1": {Host: "s1", Checks: []core.CheckResult{{Check: vip, OK: true}, {Check: core.Check{Kind: "ping"}, OK: true}}},
		"s2": {Host: "s2", Checks: []core.CheckResult{{Check: vip, OK: true}}},
		"s3": {Host: "s3"},
	}
	g := exclusiveGroups(byHost)
	if len(g) != 1 || g["vip.front"] == nil {
		t.Fatalf("groups %v", g)
	}
	if h := g["vip.front"].holders(); len(h) != 2 || h[0] != "s1" || h[1] != "s2" {
		t.Fatalf("holders %v", h)
	}
	g["vip.front"].settle("vip.front", byHost)
	if byHost["s1"].Error == "" || byHost["s1"].Checks[0].OK || byHost["s3"].Error != "" {
		t.Fatalf("two holders must fail both members only: %+v", byHost)
	}
	byHost["s1"].Error, byHost["s2"].Error = "", ""
	byHost["s1"].Checks[0].OK, byHost["s2"].Checks[0].OK = true, false
	g = exclusiveGroups(byHost)
	if h := g["vip.front"].holders(); len(h) != 1 || h[0] != "s1" {
		t.Fatalf("holders %v", h)
	}
	g["vip.front"].settle("vip.front", byHost)
	if !byHost["s2"].Checks[0].OK || byHost["s2"].Checks[0].Detail != "held by s1" || byHost["s2"].Error != "" {
		t.Fatalf("one holder passes every member: %+v", byHost["s2"])
	}
}

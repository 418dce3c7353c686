package runner

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

// A sensitive value never reaches the JSON of a plan (plan -json, the plan
// file) or of an apply's result, and the values in memory stay intact.
func TestJSONLeavesOutSensitiveValues(t *testing.T) {
	const secret = "s3cr3t-Passw0rd"
	change := core.Change{
		Action: core.Update,
		Resource: core.Resource{Kind: "sql", Name: "wp", Sensitive: []string{"password"},
			Attrs: map[string]string{"password": secret, "user": "wp"}},
		Fields: []core.FieldChange{{Name: "password", Old: "old-" + secret, New: secret}, {Name: "user", Old: "a", New: "wp"}},
	}
	plan := &Plan{Hosts: []*HostPlan{{Host: "s1", Changes: []core.Change{change}}}}
	result := &Result{Hosts: []*HostResult{{Host: "s1", Applied: []core.Change{change}}}}
	for name, v := range map[string]any{"plan": plan, "result": result} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) {
			t.Errorf("%s JSON holds the secret: %s", name, b)
		}
		if !strings.Contains(string(b), `"user":"wp"`) || !strings.Contains(string(b), core.Sensitive) {
			t.Errorf("%s JSON lost what it should keep: %s", name, b)
		}
		var back Plan
		if name == "plan" {
			if err := json.Unmarshal(b, &back); err != nil || len(back.Hosts) != 1 {
				t.Errorf("the plan does not read back: %v", err)
			}
		}
	}
	if change.Resource.Attrs["password"] != secret || plan.Hosts[0].Changes[0].Fields[0].New != secret {
		t.Error("redacting changed the plan in memory")
	}
}

// A check's sensitive attribute (a login check's password) never reaches
// the JSON of a plan or of an apply's result, and the check in memory
// keeps it (the host that runs the check needs it).
func TestJSONLeavesOutSensitiveCheckAttrs(t *testing.T) {
	const secret = "db-Passw0rd-9"
	check := core.Check{Kind: "sqllogin", Title: "s2 logs in", Sensitive: []string{"password"},
		Attrs: map[string]string{"password": secret, "user": "shop"}}
	plan := &Plan{Hosts: []*HostPlan{{Host: "s2", Checks: []core.Check{check}}}}
	result := &Result{Hosts: []*HostResult{{Host: "s2", Checks: []core.CheckResult{{Check: check, OK: false, Detail: "denied"}}}}}
	for name, v := range map[string]any{"plan": plan, "result": result} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) {
			t.Errorf("%s JSON holds the secret: %s", name, b)
		}
		if !strings.Contains(string(b), `"user":"shop"`) || !strings.Contains(string(b), `"password":"(sensitive)"`) {
			t.Errorf("%s JSON lost what it should keep: %s", name, b)
		}
	}
	if plan.Hosts[0].Checks[0].Attrs["password"] != secret || result.Hosts[0].Checks[0].Check.Attrs["password"] != secret {
		t.Error("redacting changed the checks in memory")
	}
}

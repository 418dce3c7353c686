package lang

import (
	"path/filepath"
	"reflect"
	"testing"
)

// playbooks/job loads into containers, a job, capacities, and a load
// balancer whose backends come from job.web.backends.
func TestJobPlaybook(t *testing.T) {
	c, diags := testLoad(filepath.Join("..", "playbooks", "job"), Options{})
	if diags.HasErrors() {
		t.Fatalf("playbooks/job does not load: %s", diags.Error())
	}
	if len(c.DeclsOfType("container")) != 1 || len(c.DeclsOfType("job")) != 1 {
		t.Fatalf("containers %d, jobs %d", len(c.DeclsOfType("container")), len(c.DeclsOfType("job")))
	}
	// The container's and the job's models are their kinds':
	// modules/job (TestJobPlaybook).
	if c.Servers[0].Capacity != 4 {
		t.Errorf("capacity = %d", c.Servers[0].Capacity)
	}
	// The balancer's backends (job.web.backends) are checked in
	// modules/lb (TestJobBackends): its model is the lb kind's.
	if n := len(c.DeclsOfType("loadbalancer")); n != 1 {
		t.Errorf("load balancers: %d", n)
	}
}

func TestInstanceAddresses(t *testing.T) {
	got, err := InstanceAddresses("100.64.10.32/28", 3)
	if err != nil || !reflect.DeepEqual(got, []string{"100.64.10.33", "100.64.10.34", "100.64.10.35"}) {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := InstanceAddresses("100.64.10.32/29", 7); err == nil {
		t.Error("7 addresses fit in a /29")
	}
}

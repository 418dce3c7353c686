package lang

import (
	"path/filepath"
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

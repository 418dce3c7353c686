package job_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job"
)

// playbooks/job's container and job are read into their kinds' models.
func TestJobPlaybook(t *testing.T) {
	c, diags := lang.Load(filepath.Join("..", "..", "playbooks", "job"), lang.Options{Kinds: modules.Kinds()})
	if diags.HasErrors() {
		t.Fatalf("playbooks/job does not load: %s", diags.Error())
	}
	ks := container.Containers(c)
	if len(ks) != 1 {
		t.Fatalf("containers %d", len(ks))
	}
	if k := ks[0]; k.Template != "busybox" || k.Memory != "64M" || k.Files["/www/index.html"] == "" || len(k.Servers) != 0 {
		t.Errorf("container: %+v", k)
	}
	jobs := job.Jobs(c)
	if len(jobs) != 1 {
		t.Fatalf("jobs %d", len(jobs))
	}
	j := jobs[0]
	want := job.Decl{Name: "web", Container: "web", Count: 4, Network: "vx1", Addresses: "100.64.10.32/28",
		Strategy: job.StrategySpread, MaxParallel: 1, Interval: time.Second, HealthTimeout: 10 * time.Second,
		Constraints: map[string]string{}}
	got := *j
	got.Services, got.DeclRange, got.Servers = nil, want.DeclRange, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("job:\n got %+v\nwant %+v", got, want)
	}
	if len(j.Services) != 1 || j.Services[0].Port != 80 || j.Services[0].Check != container.CheckHTTP {
		t.Errorf("services: %+v", j.Services)
	}
}

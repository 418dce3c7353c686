package runner

import (
	"errors"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/dag"
)

func TestPreviousUndoesAnUpdate(t *testing.T) {
	c := core.Change{Action: core.Update,
		Resource: core.Resource{Kind: "container", Name: "web-1", Group: "job.web",
			Attrs: map[string]string{"version": "v3", "command": "httpd -p 81", "interval": "1s"}},
		Fields: []core.FieldChange{
			{Name: "version", Old: "v2", New: "v3"},
			{Name: "command", Old: "httpd -p 80", New: "httpd -p 81"},
			{Name: "interval", Old: "", New: "1s"},
		}}
	back := previous(c)
	want := map[string]string{"version": "v2", "command": "httpd -p 80"}
	if len(back.Resource.Attrs) != len(want) {
		t.Fatalf("attrs %v, want %v", back.Resource.Attrs, want)
	}
	for k, v := range want {
		if back.Resource.Attrs[k] != v {
			t.Errorf("%s = %q, want %q", k, back.Resource.Attrs[k], v)
		}
	}
	if back.Action != core.Update || back.Fields[0].New != "v2" || back.Fields[0].Old != "v3" {
		t.Errorf("%+v", back)
	}
	if c.Resource.Attrs["version"] != "v3" {
		t.Error("previous must not change the applied change")
	}
}

func TestFailedGroups(t *testing.T) {
	nodes := map[string]node{
		"s1:container/web-1": {host: "s1", change: core.Change{Resource: core.Resource{Group: "job.web"}}},
		"s2:container/web-2": {host: "s2", change: core.Change{Resource: core.Resource{Group: "job.web"}}},
		"s3:container/api-1": {host: "s3", change: core.Change{Resource: core.Resource{Group: "job.api"}}},
		"s3:file/x":          {host: "s3", change: core.Change{Resource: core.Resource{}}},
	}
	errs := map[string]error{
		"s1:container/web-1": nil,
		"s2:container/web-2": errors.New("health check failed"),
		"s3:container/api-1": &dag.SkippedError{Dependency: "s2:container/web-2"},
		"s3:file/x":          errors.New("disk full"),
	}
	got := failedGroups(errs, nodes)
	if !got["job.web"] || got["job.api"] || len(got) != 1 {
		t.Fatalf("failed groups %v, want only job.web", got)
	}
}

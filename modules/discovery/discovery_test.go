package discovery

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job"
	"github.com/drover/drover/modules/lb"
	"github.com/drover/drover/modules/vxlan"
)

func TestJobServicePublishedOnEveryDNSServer(t *testing.T) {
	c, diags := lang.Load(filepath.Join("..", "..", "playbooks", "job"), lang.Options{Kinds: testKinds()})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	out := Expand(c, nil)
	if len(out) != 3 {
		t.Fatalf("hosts files on %d servers, want 3 (every server has a subnet with DHCP)", len(out))
	}
	r := out["s2"][0].Resources[0]
	if r.ID() != "file//etc/drover/hosts.d/job-web" || r.After[0] != "directory//etc/drover/hosts.d" {
		t.Errorf("resource %s after %v", r.ID(), r.After)
	}
	for _, line := range []string{"100.64.10.33 web\n", "100.64.10.36 web\n", "100.64.10.35 web-3\n"} {
		if !strings.Contains(r.Attrs["content"], line) {
			t.Errorf("hosts file lacks %q:\n%s", line, r.Attrs["content"])
		}
	}
}

// testKinds are the kinds this package's tests load with: the network
// and block kinds their configurations use (playbooks/job's balancer).
func testKinds() *lang.Kinds {
	k := lang.NewKinds()
	k.AddNetwork(vxlan.Kind())
	k.AddBlock(lb.Kind())
	k.AddBlock(container.Kind())
	k.AddBlock(job.Kind())
	return k
}

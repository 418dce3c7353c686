package lang_test

import (
	"strings"
	"testing"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job"
)

// A registered final check runs only on a configuration with no other
// error, and reports at the named block's setting, or at the block when
// the setting is not written.
func TestFinalCheckReportsAtBlock(t *testing.T) {
	const cfg = `
server "s1" { address = "198.51.100.1" }
container "web" { template = "busybox" }
job "a" {
  container = "web"
  count     = 2
}
job "b" { container = "web" }
`
	var ran int
	k := lang.NewKinds()
	k.AddBlock(container.Kind())
	k.AddBlock(job.Kind())
	k.AddFinalCheck(func(c *lang.Cluster, at *lang.Reporter) {
		ran++
		at.Problem("job", "a", "count", "Count problem", "a's count.")
		at.Problem("job", "b", "count", "Block problem", "b's block.")
		at.Problem("job", "nope", "count", "Never", "not declared.")
	})
	_, diags := lang.LoadFiles(map[string][]byte{"a.hcl": []byte(cfg)}, lang.Options{Kinds: k})
	if ran != 1 || len(diags) != 2 {
		t.Fatalf("ran %d times, diagnostics: %v", ran, diags)
	}
	if d := diags[0]; d.Summary != "Count problem" || d.Subject.Start.Line != 6 {
		t.Errorf("first = %s at %v, want Count problem at line 6", d.Summary, d.Subject)
	}
	if d := diags[1]; d.Summary != "Block problem" || d.Subject.Start.Line != 8 {
		t.Errorf("second = %s at %v, want Block problem at line 8", d.Summary, d.Subject)
	}

	ran = 0
	_, diags = lang.LoadFiles(map[string][]byte{"a.hcl": []byte(strings.Replace(cfg, `"busybox"`, `1`, 1) + "job \"a\" {}\n")}, lang.Options{Kinds: k})
	if ran != 0 || !diags.HasErrors() {
		t.Errorf("final check ran %d times on an invalid configuration (%v)", ran, diags)
	}
}

package generic

import (
	"slices"
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

// TestSensitiveResources: a sensitive item's resources name the attributes
// that hold its secrets, so the runner's redaction hides them, and a
// sensitive line's text does not reach its ID.
func TestSensitiveResources(t *testing.T) {
	c := load(t, `
variable "pw" {
  default   = "hunter2"
  sensitive = true
}
file "key" {
  path      = "/etc/key"
  content   = "secret"
  validate  = "check-key ${var.pw} {}"
  sensitive = true
}
line "pw" {
  path      = "/etc/pw"
  line      = "password=${var.pw}"
}
file "plain" {
  path    = "/etc/plain"
  content = "x"
}
`, nil)
	sets, err := Expand(c, map[string]*core.Facts{"s1": facts("s1")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"file//etc/key": {"check", "content"}, "file//etc/plain": nil}
	for _, r := range flatten(sets["s1"]) {
		if r.Kind == "line" {
			if strings.Contains(r.ID(), "hunter2") || !slices.Equal(r.Sensitive, []string{"line"}) {
				t.Errorf("line: ID %s, Sensitive %v", r.ID(), r.Sensitive)
			}
			continue
		}
		if !slices.Equal(r.Sensitive, want[r.ID()]) {
			t.Errorf("%s: Sensitive = %v, want %v", r.ID(), r.Sensitive, want[r.ID()])
		}
	}
}

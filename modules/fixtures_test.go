package modules_test

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/internal/fixture"
)

var updateFixtures = flag.Bool("update", false, "rewrite the expected sections of the expansion fixtures (review every diff)")

// TestFixtures runs every kind's expansion fixtures
// (modules/KIND/testdata/fixtures/*.txtar, see internal/fixture): the
// HCL and facts of each expand to the expected resources and checks, and
// re-expanding against the facts the hosts report once those are applied
// changes nothing.
func TestFixtures(t *testing.T) {
	paths, err := filepath.Glob("*/testdata/fixtures/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no fixtures found under */testdata/fixtures")
	}
	perKind := map[string]int{}
	for _, path := range paths {
		kind := strings.SplitN(path, string(filepath.Separator), 2)[0]
		perKind[kind]++
		name := kind + "/" + strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) { runFixture(t, path) })
	}
	t.Logf("%d fixtures: %v", len(paths), perKind)
}

func runFixture(t *testing.T, path string) {
	fx, err := fixture.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(fx.Comment) == "" {
		t.Errorf("%s: say what the fixture proves in the archive's comment", path)
	}
	res, err := fx.Run()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, p := range res.Problems {
		t.Errorf("%s: %s", path, p)
	}
	if res.Got == fx.Expected {
		return
	}
	if *updateFixtures && len(res.Problems) == 0 {
		if err := fx.Update(res.Got); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: expected section rewritten", path)
		return
	}
	t.Errorf("%s: expansion differs from the expected section (go test ./modules -run TestFixtures -update rewrites it once it has no other problem):\n%s",
		path, fixture.Diff(fx.Expected, res.Got))
}

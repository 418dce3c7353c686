package runner

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

var updateRendered = flag.Bool("update-rendered", false, "rewrite testdata/rendered from the playbooks")

// TestRenderedConfigs keeps every daemon config, unit and nftables ruleset
// the example playbooks render (files under /etc, as a plan -offline makes
// them) as a
// reviewed golden file in testdata/rendered/PLAYBOOK/SERVER/PATH. Plan
// goldens show a file as its line count and hash, so a template change
// would pass them unseen; here it changes a file a reviewer reads in the
// diff. After a deliberate change: go test ./runner -run
// TestRenderedConfigs -update-rendered, and review the diff.
func TestRenderedConfigs(t *testing.T) {
	books, err := filepath.Glob("../playbooks/*/cluster.hcl")
	if err != nil || len(books) == 0 {
		t.Fatalf("no playbooks: %v", err)
	}
	want := map[string]bool{}
	for _, b := range books {
		dir := filepath.Dir(b)
		c, diags := lang.Load(dir, lang.Options{Kinds: modules.Kinds()})
		if diags.HasErrors() {
			t.Fatalf("%s: %s", dir, diags.Error())
		}
		desired, err := modules.Expand(c, nil)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		p := OfflinePlan(c, desired, nil)
		for _, hp := range p.Hosts {
			for _, ch := range hp.Changes {
				name, content, ok := renderedName(ch.Resource)
				if !ok {
					continue
				}
				golden := filepath.Join("testdata", "rendered", filepath.Base(dir), hp.Host, filepath.FromSlash(name))
				want[golden] = true
				compareGolden(t, golden, content)
			}
		}
	}
	staleGoldens(t, want)
}

// renderedName is where a resource's rendered text is kept: a file under
// /etc by its path, an nftables ruleset as nft/TABLE.nft; ok is false for
// anything else, or text that is not known before apply.
func renderedName(r core.Resource) (string, string, bool) {
	content, ok := r.Attrs["content"]
	if !ok || strings.Contains(content, core.Unknown) {
		return "", "", false
	}
	switch {
	case r.Kind == "file" && strings.HasPrefix(r.Attrs["path"], "/etc/"):
		return strings.TrimPrefix(r.Attrs["path"], "/"), content, true
	case r.Kind == "nft":
		return "nft/" + r.Name + ".nft", content, true
	}
	return "", "", false
}

func compareGolden(t *testing.T, golden, content string) {
	t.Helper()
	if *updateRendered {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(golden)
	if err != nil {
		t.Errorf("%s: no golden (a new rendered file: run with -update-rendered and review it): %v", golden, err)
		return
	}
	if string(have) != content {
		t.Errorf("%s differs from what the playbook renders now (review, then -update-rendered):\n--- golden\n%s\n--- now\n%s", golden, have, content)
	}
}

// staleGoldens fails on golden files no playbook renders any more.
func staleGoldens(t *testing.T, want map[string]bool) {
	t.Helper()
	filepath.WalkDir(filepath.Join("testdata", "rendered"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !want[path] {
			if *updateRendered {
				os.Remove(path)
			} else {
				t.Errorf("%s: no playbook renders it any more (-update-rendered removes it)", path)
			}
		}
		return nil
	})
}

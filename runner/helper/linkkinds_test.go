package helper

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/drover/drover/internal/testkit"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs/safefstest"
)

// The link kinds are probed once per boot and module index: a session
// takes them from the state folder when its key matches (a made-up kind
// there proves no probe ran), and probes and keeps them again when the
// key is another boot's.
func TestLinkKindsKeptForTheBoot(t *testing.T) {
	if os.Geteuid() != 0 {
		testkit.Skip(t, "needs root (the state folder is root's)")
	}
	key := linkKindsKey()
	if key == "" {
		t.Fatal("no boot ID or kernel release to key the link kinds with")
	}
	dir := safefstest.TempDir(t)
	state := filepath.Join(dir, "state")
	opts := ServerOptions{StateDir: state, Env: host.Env{RunDir: dir, LogDir: dir, UnitDir: dir}}
	facts := func() []string {
		_, resp := servePipe(t, opts).mustCall(Request{Op: OpFacts})
		return resp.Facts.LinkKinds
	}
	if err := writeJSON(state, LinkKindsFile, linkKindsCache{Key: key, Kinds: []string{"bridge", "made-up"}}); err != nil {
		t.Fatal(err)
	}
	if got := facts(); !slices.Equal(got, []string{"bridge", "made-up"}) {
		t.Errorf("with this boot's kinds kept: %v, want them as kept", got)
	}
	if err := writeJSON(state, LinkKindsFile, linkKindsCache{Key: "another-boot " + key, Kinds: []string{"made-up"}}); err != nil {
		t.Fatal(err)
	}
	got := facts()
	if slices.Contains(got, "made-up") || !slices.Contains(got, "bridge") {
		t.Errorf("with another boot's kinds kept: %v, want a fresh probe", got)
	}
	var kept linkKindsCache
	if ok, err := readJSON(state, LinkKindsFile, &kept); !ok || err != nil || kept.Key != key || !slices.Equal(kept.Kinds, got) {
		t.Errorf("kept after the probe: %+v (%v, %v), want key %q and %v", kept, ok, err, key, got)
	}
}

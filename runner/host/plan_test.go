package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host/safefs/safefstest"
)

// memKind is a kind kept in memory, for plan and manifest tests.
type memKind struct {
	state map[string]map[string]string
	log   *[]string
	fail  string // name whose Apply fails
}

func newMemKinds() (Kinds, memKind) {
	k := memKind{state: map[string]map[string]string{}, log: new([]string)}
	return Kinds{"mem": k}, k
}

func (k memKind) ReplaceOn() []string { return []string{"fixed"} }

func (k memKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	s, ok := k.state[r.Name]
	actual := map[string]string{}
	for key := range r.Attrs {
		actual[key] = s[key] // every attribute is readable
	}
	return actual, ok, nil
}

func (k memKind) Apply(r core.Resource, exists bool, saved map[string]string) (map[string]string, error) {
	if r.Name == k.fail {
		return nil, errors.New("boom: stderr of the failing command")
	}
	*k.log = append(*k.log, fmt.Sprintf("apply %s %t", r.Name, exists))
	k.state[r.Name] = CopyAttrs(r.Attrs)
	return map[string]string{"n": fmt.Sprint(len(*k.log))}, nil
}

func (k memKind) Delete(r core.Resource, saved map[string]string) error {
	*k.log = append(*k.log, "delete "+r.Name)
	delete(k.state, r.Name)
	return nil
}

func mem(name string, owners []string, kv ...string) core.Resource {
	attrs := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		attrs[kv[i]] = kv[i+1]
	}
	return core.Resource{Kind: "mem", Name: name, Attrs: attrs, Owners: owners}
}

func applyAll(t *testing.T, kinds Kinds, m *Manifest, changes []core.Change) {
	t.Helper()
	for _, c := range changes {
		if err := ApplyChange(kinds, c, m); err != nil {
			t.Fatal(err)
		}
		if err := m.Save(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPlanOrderDeletesAndOwners(t *testing.T) {
	kinds, k := newMemKinds()
	m := newTestManifest(t)
	a, b := []string{"network.a"}, []string{"network.b"}
	first := []core.Resource{mem("1", a, "v", "1"), mem("2", b, "v", "1"), mem("3", a, "v", "1"), mem("4", append(a, b...), "v", "1")}
	changes, _, err := Plan(kinds, first, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	applyAll(t, kinds, m, changes)

	// Only "2" stays declared: deletes in reverse order of creation, then
	// the desired resource as a no-op.
	changes, _, _ = Plan(kinds, []core.Resource{mem("2", b, "v", "1")}, m, nil)
	if got := fmt.Sprint(actions(changes)); got != "[delete mem/4 delete mem/3 delete mem/1 no-op mem/2]" {
		t.Errorf("plan = %s", got)
	}
	// With owners, only entries owned by nothing but network.a go.
	changes, _, _ = Plan(kinds, nil, m, []string{"network.a"})
	if got := fmt.Sprint(actions(changes)); got != "[delete mem/3 delete mem/1]" {
		t.Errorf("plan for owners [network.a] = %s", got)
	}
	changes, _, _ = Plan(kinds, nil, m, []string{"network.a", "network.b"})
	if len(changes) != 4 {
		t.Errorf("plan for both owners = %v", actions(changes))
	}

	// Update and replace.
	changes, _, _ = Plan(kinds, []core.Resource{mem("1", a, "v", "2"), mem("2", b, "v", "1", "fixed", "x")}, m, nil)
	if got := fmt.Sprint(actions(changes)); got != "[delete mem/4 delete mem/3 update mem/1 replace mem/2]" {
		t.Errorf("plan = %s", got)
	}
	*k.log = nil
	applyAll(t, kinds, m, changes)
	if got := strings.Join(*k.log, ", "); got != "delete 4, delete 3, apply 1 true, delete 2, apply 2 false" {
		t.Errorf("applied: %s", got)
	}
	loaded, err := LoadManifest(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(loaded.Resources())); got != "[mem/1 mem/2]" {
		t.Errorf("manifest = %s", got)
	}
}

func actions(changes []core.Change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, string(c.Action)+" "+c.Resource.ID())
	}
	return out
}

func ids(rs []core.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID())
	}
	return out
}

func TestPlanFingerprintAndUnknown(t *testing.T) {
	kinds, k := newMemKinds()
	m := newTestManifest(t)
	desired := []core.Resource{mem("1", nil, "v", "1"), mem("2", nil, "v", core.Unknown)}
	changes, fp, err := Plan(kinds, desired, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Fingerprint(kinds, changes, m)
	if err != nil || again != fp {
		t.Errorf("fingerprint %s != plan's %s (%v)", again, fp, err)
	}
	k.state["1"] = map[string]string{"v": "0"}
	if changed, _ := Fingerprint(kinds, changes, m); changed == fp {
		t.Errorf("fingerprint did not change with the host")
	}
	if err := ApplyChange(kinds, changes[1], m); err == nil || !strings.Contains(err.Error(), "mem/2") {
		t.Errorf("unknown value applied: %v", err)
	}
	if _, _, err := Plan(kinds, []core.Resource{mem("1", nil), mem("1", nil)}, m, nil); err == nil {
		t.Errorf("duplicate resource accepted")
	}
	if _, _, err := Plan(kinds, []core.Resource{{Kind: "nope", Name: "x"}}, m, nil); err == nil || !strings.Contains(err.Error(), "nope/x") {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestApplyFailureNamesResource(t *testing.T) {
	kinds := Kinds{"mem": memKind{state: map[string]map[string]string{}, log: new([]string), fail: "bad"}}
	m := newTestManifest(t)
	changes, _, _ := Plan(kinds, []core.Resource{mem("bad", nil, "v", "1")}, m, nil)
	err := ApplyChange(kinds, changes[0], m)
	if err == nil || !strings.Contains(err.Error(), "mem/bad") || !strings.Contains(err.Error(), "stderr of the failing command") {
		t.Errorf("error = %v", err)
	}
	// A failed create stays recorded, as pending: it may have made part of
	// the resource, which a destroy must then remove.
	if len(m.Entries) != 1 || !m.Entries[0].Pending || m.Entries[0].Resource.ID() != "mem/bad" {
		t.Errorf("failed create not kept as pending: %+v", m.Entries)
	}
	// A failed update of a recorded resource goes back to its entry.
	m2 := newTestManifest(t)
	ok := Kinds{"mem": memKind{state: map[string]map[string]string{}, log: new([]string)}}
	changes, _, _ = Plan(ok, []core.Resource{mem("x", nil, "v", "1")}, m2, nil)
	applyAll(t, ok, m2, changes)
	before := m2.Entries[0]
	failing := Kinds{"mem": memKind{state: map[string]map[string]string{"x": {"v": "1"}}, log: new([]string), fail: "x"}}
	changes, _, _ = Plan(failing, []core.Resource{mem("x", nil, "v", "2")}, m2, nil)
	if err := ApplyChange(failing, changes[0], m2); err == nil {
		t.Fatal("the failing update succeeded")
	}
	if len(m2.Entries) != 1 || m2.Entries[0].Pending || m2.Entries[0].Resource.Attrs["v"] != before.Resource.Attrs["v"] {
		t.Errorf("failed update left %+v, want %+v", m2.Entries, before)
	}
}

func TestManifestAtomicSave(t *testing.T) {
	dir := safefstest.TempDir(t)
	m, err := LoadManifest(filepath.Join(dir, "state", "manifest.json"))
	if err != nil || len(m.Entries) != 0 {
		t.Fatalf("missing manifest: %v %v", m, err)
	}
	m.Record(mem("a", nil), map[string]string{"previous": "0"})
	m.Record(mem("b", nil), nil)
	m.Record(mem("a", []string{"x"}), map[string]string{"previous": "1"})
	if err := m.Save(); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadManifest(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	if e := loaded.Entries[0]; e.Resource.ID() != "mem/a" || e.Saved["previous"] != "1" || len(loaded.Entries) != 2 {
		t.Errorf("loaded = %+v", loaded.Entries)
	}
	entries, _ := os.ReadDir(filepath.Dir(m.Path))
	if len(entries) != 1 {
		t.Errorf("state dir holds %d files, want only manifest.json", len(entries))
	}
	os.WriteFile(m.Path, []byte("{broken"), 0o600)
	if _, err := LoadManifest(m.Path); err == nil || !strings.Contains(err.Error(), m.Path) {
		t.Errorf("broken manifest: %v", err)
	}
}

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := AcquireLock(path, "alice@laptop drover apply")
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(path, "bob")
	if err == nil || !strings.Contains(err.Error(), "host is locked by alice@laptop drover apply since 20") {
		t.Errorf("second holder: %v", err)
	}
	l.Release()
	l2, err := AcquireLock(path, "bob")
	if err != nil {
		t.Errorf("after release: %v", err)
	}
	l2.Release()
}

func newTestManifest(t *testing.T) *Manifest {
	return &Manifest{Path: safefstest.TempDir(t) + "/manifest.json", Version: manifestVersion}
}

// TestRunChecksUnknownKind: a check kind the registry lacks fails, naming
// the kinds it has.
func TestRunChecksUnknownKind(t *testing.T) {
	pass := func(Kinds, *Manifest, core.Check) (bool, string) { return true, "fine" }
	checks := Checks{"b": pass, "a": pass}
	got := RunChecks(nil, checks, newTestManifest(t), []core.Check{{Kind: "a"}, {Kind: "teleport"}})
	if !got[0].OK || got[0].Detail != "fine" {
		t.Errorf("known check: %+v", got[0])
	}
	if got[1].OK || got[1].Detail != `unknown check kind "teleport" (known: a, b)` {
		t.Errorf("unknown check: %+v", got[1])
	}
}

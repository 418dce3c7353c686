package files

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// TestTLSSelfSigned generates a pair, keeps it while it covers the names,
// regenerates it when they change, writes the bundle, and deletes it all.
func TestTLSSelfSigned(t *testing.T) {
	dir := t.TempDir()
	r := host.WithDefaults(tlsKind{}, core.Resource{Kind: "tls", Name: "web", Attrs: map[string]string{
		"cert": filepath.Join(dir, "web.crt"), "key": filepath.Join(dir, "web.key"), "self_signed": "true",
		"names": "shop.example.test,198.51.100.1", "bundle": filepath.Join(dir, "web.pem"),
	}})
	k := tlsKind{}
	if _, exists, err := k.Read(r, nil); err != nil || exists {
		t.Fatalf("before: exists=%v err=%v", exists, err)
	}
	if _, err := k.Apply(r, false, nil); err != nil {
		t.Fatal(err)
	}
	actual, exists, err := k.Read(r, nil)
	if err != nil || !exists || len(host.Diff(r.Attrs, actual)) != 0 {
		t.Fatalf("after apply: exists=%v err=%v diff=%v", exists, err, host.Diff(r.Attrs, actual))
	}
	if fi, _ := os.Stat(r.Attrs["key"]); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", fi.Mode())
	}
	first, _ := os.ReadFile(r.Attrs["cert"])
	if _, err := k.Apply(r, true, nil); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(r.Attrs["cert"]); string(again) != string(first) {
		t.Error("a certificate that covers the names was regenerated")
	}

	r.Attrs["names"] = "other.example.test"
	actual, _, _ = k.Read(r, nil)
	if d := host.Diff(r.Attrs, actual); len(d) != 1 || d[0].Name != "names" {
		t.Fatalf("new names diff = %v", d)
	}
	if _, err := k.Apply(r, true, nil); err != nil {
		t.Fatal(err)
	}
	actual, _, _ = k.Read(r, nil)
	if d := host.Diff(r.Attrs, actual); len(d) != 0 {
		t.Errorf("after renewal diff = %v", d)
	}
	if err := k.Delete(r, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"web.crt", "web.key", "web.pem"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s left after delete", p)
		}
	}
}

// TestTLSGiven bundles files someone else put there, rewrites the bundle
// when they change, and leaves them on delete.
func TestTLSGiven(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := ensureSelfSigned(cert, key, []string{"given.example.test"}); err != nil {
		t.Fatal(err)
	}
	r := host.WithDefaults(tlsKind{}, core.Resource{Kind: "tls", Name: "g", Attrs: map[string]string{
		"cert": cert, "key": key, "bundle": filepath.Join(dir, "b.pem"),
	}})
	k := tlsKind{}
	actual, exists, _ := k.Read(r, nil)
	if !exists || actual["bundle"] != "" {
		t.Fatalf("before: %v %v", exists, actual)
	}
	if _, err := k.Apply(r, true, nil); err != nil {
		t.Fatal(err)
	}
	if actual, _, _ = k.Read(r, nil); actual["bundle"] != r.Attrs["bundle"] {
		t.Errorf("bundle not read back: %v", actual)
	}
	os.WriteFile(cert, []byte("renewed\n"), 0o644)
	if actual, _, _ = k.Read(r, nil); actual["bundle"] != "" {
		t.Error("a renewed certificate leaves the bundle as it is")
	}
	if err := k.Delete(r, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cert); err != nil {
		t.Error("delete removed a given certificate")
	}
}

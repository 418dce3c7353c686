package host

import (
	"os"
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

func TestSealSecret(t *testing.T) {
	d := SealSecret("hunter2")
	if !SecretMatches(d, "hunter2") || SecretMatches(d, "hunter3") || strings.Contains(d, "hunter2") {
		t.Fatalf("digest %q", d)
	}
	if d2 := SealSecret("hunter2"); d2 == d {
		t.Fatal("two digests of one value are equal: no salt")
	}
	if ResealSecret(d, "hunter2") != d {
		t.Fatal("an unchanged secret was sealed again")
	}
}

// TestManifestKeepsNoSecret: a sensitive attribute (a database password
// given in HCL) never reaches manifest.json in clear, nor as a plain
// SHA-256.
func TestManifestKeepsNoSecret(t *testing.T) {
	m := newTestManifest(t)
	r := core.Resource{Kind: "sql", Name: "app", Attrs: map[string]string{"password": "s3cret-pw", "user": "app"}, Sensitive: []string{"password"}}
	m.Record(r, map[string]string{"password_digest": SealSecret("s3cret-pw")})
	if err := m.Save(); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(m.Path)
	if strings.Contains(string(first), "s3cret-pw") || strings.Contains(string(first), SHA256Hex("s3cret-pw")) {
		t.Fatalf("the password is in the manifest:\n%s", first)
	}
	e, _ := m.Find(r.ID())
	if !SecretMatches(e.Resource.Attrs["password"], "s3cret-pw") || e.Resource.Attrs["user"] != "app" {
		t.Fatalf("recorded %v", e.Resource.Attrs)
	}
	m.Record(r, e.Saved)
	m.Save()
	if again, _ := os.ReadFile(m.Path); string(again) != string(first) {
		t.Fatal("recording an unchanged secret rewrote its digest")
	}
}

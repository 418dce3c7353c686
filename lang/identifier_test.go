package lang

import (
	"math/rand/v2"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// validIdentifier agrees with hclsyntax.ValidIdentifier: on every ASCII
// string of up to two bytes, on three-byte strings of the characters
// around the rules' edges, and on random strings mixing in non-ASCII
// letters and marks.
func TestValidIdentifierMatchesHCL(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := validIdentifier(s), hclsyntax.ValidIdentifier(s); got != want {
			t.Fatalf("validIdentifier(%q) = %v, hclsyntax.ValidIdentifier = %v", s, got, want)
		}
	}
	check("")
	for a := range 128 {
		check(string(rune(a)))
		for b := range 128 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	edge := []byte("aZz_-09.@ \t/:${}\"\\")
	for _, a := range edge {
		for _, b := range edge {
			for _, c := range edge {
				check(string([]byte{a, b, c}))
			}
		}
	}
	pool := []string{"a", "Z", "_", "-", "0", "9", ".", " ", "é", "ß", "\u0301", "日", "\u00b7", "\u200d", "\xff", "x"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var s string
		for range 1 + r.IntN(6) {
			s += pool[r.IntN(len(pool))]
		}
		check(s)
	}
}

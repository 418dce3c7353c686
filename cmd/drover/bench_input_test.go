package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input never hangs or floods validate: a 6 MB file with 2,000
// errors (target: under 3 s) and a 1 MB binary named x.hcl (under 1 s).
// Run by make bench; TestBadInputCapped asserts the cap and escaping.

// manyErrors is a 6 MB configuration with 2,000 invalid addresses.
func manyErrors() []byte {
	var b bytes.Buffer
	pad := "# " + strings.Repeat("x", 3000) + "\n"
	for i := range 2000 {
		fmt.Fprintf(&b, "server \"s%d\" {\n  address = \"198.51.100.%d00\"\n}\n%s", i, i%250, pad)
	}
	return b.Bytes()
}

// binary is n random bytes (a fixed seed).
func binary(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeDir(tb testing.TB, src []byte) string {
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.hcl"), src, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func benchValidate(b *testing.B, src []byte) {
	dir := writeDir(b, src)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		var out bytes.Buffer
		if code := run([]string{"validate", dir}, &env{stdout: io.Discard, stderr: &out}); code != 1 {
			b.Fatalf("exit %d", code)
		}
	}
}

func BenchmarkValidate6MB2000Errors(b *testing.B) { benchValidate(b, manyErrors()) }
func BenchmarkValidate1MBBinary(b *testing.B)     { benchValidate(b, binary(1<<20)) }

// TestBadInputCapped: at most 20 diagnostics of a file and a count of the
// rest, no raw control bytes, no line longer than the cap, for text and
// JSON.
func TestBadInputCapped(t *testing.T) {
	for name, src := range map[string][]byte{"many": manyErrors(), "binary": binary(64 << 10)} {
		dir := writeDir(t, src)
		var out bytes.Buffer
		if code := run([]string{"validate", dir}, &env{stdout: io.Discard, stderr: &out}); code != 1 {
			t.Fatalf("%s: exit %d", name, code)
		}
		text := out.String()
		if n := strings.Count(text, "\nError: ") + strings.Count(text[:7], "Error: "); n != 21 {
			t.Errorf("%s: %d errors printed, want 20 and the count of the rest", name, n)
		}
		if !strings.Contains(text, "Error: Too many diagnostics\n") || !strings.Contains(text, " more (") {
			t.Errorf("%s: no count of the rest:\n%s", name, text[len(text)-300:])
		}
		for i, c := range []byte(text) {
			if c < 0x20 && c != '\n' && c != '\t' {
				t.Fatalf("%s: raw byte %#x at %d: %q", name, c, i, text[max(0, i-40):i+1])
			}
		}
		for _, line := range strings.Split(text, "\n") {
			if len(line) > 500 {
				t.Fatalf("%s: line of %d bytes", name, len(line))
			}
		}
		if len(text) > 64<<10 {
			t.Errorf("%s: %d bytes of diagnostics", name, len(text))
		}
		out.Reset()
		run([]string{"validate", "-json", dir}, &env{stdout: &out, stderr: io.Discard})
		if n := strings.Count(out.String(), `"severity"`); n != 21 {
			t.Errorf("%s -json: %d diagnostics, want 21", name, n)
		}
	}
}

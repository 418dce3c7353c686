package lang

import (
	"os"
	"path/filepath"
	"testing"
)

const unformatted = "server \"s1\" {\naddress = \"198.51.100.1\"\n    subnet=\"100.65.1.0/24\"\n}\n"
const formatted = "server \"s1\" {\n  address = \"198.51.100.1\"\n  subnet  = \"100.65.1.0/24\"\n}\n"

func TestFormat(t *testing.T) {
	out, diags := Format([]byte(unformatted), "a.hcl")
	if diags.HasErrors() || string(out) != formatted {
		t.Errorf("Format = %q, %v; want %q", out, diags, formatted)
	}
	again, _ := Format(out, "a.hcl")
	if string(again) != formatted {
		t.Errorf("Format is not idempotent: %q", again)
	}
	out, diags = Format([]byte("server \"s1\" {\n  address = \n"), "bad.hcl")
	if !diags.HasErrors() || out != nil {
		t.Errorf("syntax error not reported: %q, %v", out, diags)
	}
	if r := diags[0].Subject; r == nil || r.Filename != "bad.hcl" {
		t.Errorf("syntax error without file range: %v", diags[0])
	}
}

func TestFormatDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.hcl", unformatted)
	write("b.hcl", formatted)
	write("c.hcl", "server {\n")
	write("notes.txt", unformatted)
	results, diags := FormatDir(dir)
	if len(diags) != 1 || diags[0].Subject.Filename != filepath.Join(dir, "c.hcl") {
		t.Errorf("want one syntax error in c.hcl, got %v", diags)
	}
	if len(results) != 2 {
		t.Fatalf("want results for a.hcl and b.hcl, got %d", len(results))
	}
	a, b := results[0], results[1]
	if a.Path != filepath.Join(dir, "a.hcl") || !a.Changed || string(a.Old) != unformatted || string(a.New) != formatted {
		t.Errorf("a.hcl result = %+v", a)
	}
	if b.Path != filepath.Join(dir, "b.hcl") || b.Changed || string(b.New) != formatted {
		t.Errorf("b.hcl result = %+v", b)
	}
	if src, _ := os.ReadFile(filepath.Join(dir, "a.hcl")); string(src) != unformatted {
		t.Error("FormatDir must not write files")
	}
	if _, diags := FormatDir(filepath.Join(dir, "missing")); !diags.HasErrors() {
		t.Error("missing folder not reported")
	}
}

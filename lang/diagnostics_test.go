package lang

import (
	"fmt"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain text\n\tok": "plain text\n\tok",
		"\x1b]0;x\x07":     `\x1b]0;x\x07`,
		"a\xffb":           `a\xffb`,
		"rtl\u202eend":     `rtl\u202eend`,
		"é ü ✓":            "é ü ✓",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCapDiagnostics(t *testing.T) {
	var diags hcl.Diagnostics
	for i := range 30 {
		for _, f := range []string{"a.hcl", "b.hcl"} {
			if f == "b.hcl" && i >= 5 {
				continue
			}
			sev := hcl.DiagError
			if i%2 == 1 {
				sev = hcl.DiagWarning
			}
			diags = append(diags, &hcl.Diagnostic{Severity: sev, Summary: fmt.Sprint(i),
				Subject: &hcl.Range{Filename: f, Start: hcl.Pos{Byte: i}}})
		}
	}
	got := CapDiagnostics(sortDiagnostics(diags))
	if len(got) != 20+1+5 {
		t.Fatalf("%d diagnostics, want 26", len(got))
	}
	last := got[20]
	if last.Summary != "Too many diagnostics" || last.Severity != hcl.DiagError ||
		last.Detail[:46] != "... and 10 more (5 errors, 5 warnings) in a.hc" {
		t.Errorf("summary diagnostic: %+v", last)
	}
	if got[21].Subject.Filename != "b.hcl" || got[len(got)-1].Summary != "4" {
		t.Errorf("b.hcl's diagnostics are not kept whole")
	}
}

package lang

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestInvalid loads each testdata/invalid/*.txtar archive and compares its
// error diagnostics with the archive's comment: one line per expected
// error, "FILE:LINE:COL: SUMMARY SUBSTRING" (or "-: SUMMARY" for one
// without a range), in source order. Every error must be expected, so a
// fixture also proves that nothing is reported twice or left out.
// A comment line "var NAME=VALUE" sets a -var.
func TestInvalid(t *testing.T) {
	archives, err := filepath.Glob("testdata/invalid/*.txtar")
	if err != nil || len(archives) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range archives {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, f := range a.Files {
				files[f.Name] = f.Data
			}
			want, opts := parseExpectations(t, string(a.Comment))
			_, diags := testLoadFiles(files, opts)
			got := describeErrors(diags)
			if !matchAll(got, want) {
				t.Errorf("errors do not match\n got:\n\t%s\nwant:\n\t%s\ndetails:\n%s",
					strings.Join(got, "\n\t"), strings.Join(want, "\n\t"), details(diags))
			}
		})
	}
}

// parseExpectations reads the expected errors and options of a fixture.
func parseExpectations(t *testing.T, comment string) ([]string, Options) {
	t.Helper()
	var want []string
	opts := Options{Vars: map[string]string{}}
	for _, line := range strings.Split(comment, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "var "):
			name, value, _ := strings.Cut(strings.TrimPrefix(line, "var "), "=")
			opts.Vars[name] = value
		default:
			want = append(want, line)
		}
	}
	if len(want) == 0 {
		t.Fatal("fixture expects no error")
	}
	return want, opts
}

// describeErrors renders each error as "FILE:LINE:COL: SUMMARY".
func describeErrors(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		pos := "-"
		if d.Subject != nil {
			pos = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		out = append(out, pos+": "+d.Summary)
	}
	return out
}

// matchAll tells whether got and want pair up in order: same position,
// and want's summary a substring of got's.
func matchAll(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		gPos, gSum, _ := strings.Cut(got[i], ": ")
		wPos, wSum, _ := strings.Cut(want[i], ": ")
		if gPos != wPos || !strings.Contains(gSum, wSum) {
			return false
		}
	}
	return true
}

func details(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\t%s: %s\n", d.Summary, d.Detail)
	}
	return b.String()
}

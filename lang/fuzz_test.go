package lang

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary sources to LoadFiles and everything that prints
// its results: none of it may panic. Run it with
//
//	go test ./lang -run '^$' -fuzz FuzzLoad -fuzztime 60s -fuzzminimizetime 5s
//
// (the default minimization, up to a minute per new input, stalls the
// run's progress counter on these multi-kilobyte seeds).
//
// The seeds are the valid fixtures and every file of the invalid ones;
// the committed corpus under testdata/fuzz/FuzzLoad holds more.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/valid/*/*.hcl")
	seeds = append(seeds, filepath.Join("..", "playbooks", "vxlan", "cluster.hcl"))
	archives, _ := filepath.Glob("testdata/invalid/*.txtar")
	seeds = append(seeds, archives...)
	for _, path := range seeds {
		if src, err := os.ReadFile(path); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		files := splitFiles(src)
		c, diags := testLoadFiles(files, Options{Vars: map[string]string{"base": "100.64.0.0/16"}})
		if c == nil || c.Files == nil {
			t.Fatal("LoadFiles returned no files")
		}
		var out bytes.Buffer
		WriteDiagnostics(&out, c.Files, diags, true)
		if _, err := json.Marshal(DiagnosticsJSON(diags)); err != nil {
			t.Fatal(err)
		}
		for _, d := range diags {
			if d.Summary == "" {
				t.Fatalf("diagnostic without summary: %#v", d)
			}
		}
		if formatted, fdiags := Format(files["a.hcl"], "a.hcl"); !fdiags.HasErrors() {
			if again, _ := Format(formatted, "a.hcl"); !bytes.Equal(again, formatted) {
				t.Fatalf("Format is not idempotent:\n%s\n---\n%s", formatted, again)
			}
		}
	})
}

// splitFiles cuts a fuzz input into files at txtar-style "-- NAME --"
// lines, so that one input can hold several files (the text before the
// first marker is a.hcl, unless a marker names a.hcl again).
func splitFiles(src []byte) map[string][]byte {
	files := map[string][]byte{}
	name := "a.hcl"
	var cur []byte
	for _, line := range bytes.SplitAfter(src, []byte("\n")) {
		trimmed := bytes.TrimSpace(line)
		if bytes.HasPrefix(trimmed, []byte("-- ")) && bytes.HasSuffix(trimmed, []byte(" --")) && len(trimmed) > 6 {
			files[name] = cur
			name, cur = string(trimmed[3:len(trimmed)-3]), nil
			continue
		}
		cur = append(cur, line...)
	}
	files[name] = cur
	return files
}

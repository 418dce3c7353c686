package lang

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
)

// parseFiles (in parallel) gives the files and diagnostics, in name
// order, that hclparse gives parsing one file after the other: many
// files, some with syntax errors, one with CRLF line ends.
func TestParseFilesMatchesSequential(t *testing.T) {
	files := map[string][]byte{}
	for i := range 40 {
		src := fmt.Sprintf("server \"s%d\" {\n  address = \"198.51.100.%d\"\n}\n", i, i+1)
		switch i % 5 {
		case 1:
			src += "network \"vxlan\" {\n  subnet = \n"
		case 2:
			src += "locals { a = [1, 2\n}\n}\n"
		case 3:
			src = string(bytes.ReplaceAll([]byte(src), []byte("\n"), []byte("\r\n")))
		}
		files[fmt.Sprintf("f%02d.hcl", i)] = []byte(src)
	}
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	got := parseFiles(names, files)
	parser := hclparse.NewParser()
	for i, name := range names {
		f, diags := parser.ParseHCL(bytes.ReplaceAll(files[name], []byte("\r\n"), []byte("\n")), name)
		if !bytes.Equal(got[i].file.Bytes, f.Bytes) {
			t.Errorf("%s: bytes differ", name)
		}
		if fmt.Sprint(got[i].diags) != fmt.Sprint(diags) {
			t.Errorf("%s: diagnostics %v, want %v", name, got[i].diags, diags)
		}
		if i%5 == 1 && !diags.HasErrors() {
			t.Errorf("%s: no syntax error to compare", name)
		}
	}
}

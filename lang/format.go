package lang

import (
	"bytes"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in canonical HCL layout (hclwrite.Format). Source
// with syntax errors is not formatted: the errors are returned instead.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	_, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), diags
}

// FormatResult is one file of FormatDir: its content before and after
// formatting.
type FormatResult struct {
	Path     string
	Old, New []byte
	Changed  bool
}

// FormatDir formats every *.hcl file of dir (not its subfolders) in name
// order. It writes nothing: callers write New where Changed (drover fmt)
// or report the files (drover fmt -check). Files with syntax errors are
// left out of the results and reported in the diagnostics.
func FormatDir(dir string) ([]FormatResult, hcl.Diagnostics) {
	files, diags := readDir(dir)
	if diags.HasErrors() {
		return nil, diags
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var results []FormatResult
	for _, p := range paths {
		formatted, more := Format(files[p], p)
		diags = append(diags, more...)
		if more.HasErrors() {
			continue
		}
		results = append(results, FormatResult{Path: p, Old: files[p], New: formatted, Changed: !bytes.Equal(files[p], formatted)})
	}
	return results, diags
}

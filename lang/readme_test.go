package lang

import (
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestReadmeExamplesParse: every ```hcl block of the README is valid HCL,
// and one that declares its servers loads without an error (the others are
// fragments of a configuration).
func TestReadmeExamplesParse(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```hcl" {
			continue
		}
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " "))]
		start := i + 1
		var block []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			block = append(block, strings.TrimPrefix(lines[i], indent))
		}
		n++
		src := strings.Join(block, "\n") + "\n"
		if _, diags := hclsyntax.ParseConfig([]byte(src), "README.md", hcl.Pos{Line: start + 1, Column: 1}); diags.HasErrors() {
			t.Errorf("README.md example at line %d does not parse: %s", start, diags.Error())
			continue
		}
		if strings.Contains(src, "server \"") {
			if _, diags := testLoadFiles(map[string][]byte{"example.hcl": []byte(src)}, Options{}); diags.HasErrors() {
				t.Errorf("README.md example at line %d does not load: %s", start, diags.Error())
			}
		}
	}
	if n == 0 {
		t.Fatal("found no hcl examples in README.md")
	}
	t.Logf("%d examples", n)
}

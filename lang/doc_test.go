package lang

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// docSection returns the example lines (tab-indented) of one "# TITLE"
// section of doc.go.
func docSection(t *testing.T, title string) string {
	t.Helper()
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "// # "+title+"\n")
	if !ok {
		t.Fatalf("doc.go has no section %q", title)
	}
	if i := strings.Index(rest, "\n// # "); i >= 0 {
		rest = rest[:i]
	}
	var b strings.Builder
	for _, line := range strings.Split(rest, "\n") {
		if code, ok := strings.CutPrefix(line, "//\t"); ok {
			b.WriteString(code + "\n")
		}
	}
	return b.String()
}

// TestDocSensitiveExampleParses loads the example of doc.go's "Sensitive
// values" section and checks what it says.
func TestDocSensitiveExampleParses(t *testing.T) {
	src := `server "s1" { address = "198.51.100.1" }` + "\n" + docSection(t, "Sensitive values")
	c, diags := testLoadFiles(map[string][]byte{"a.hcl": []byte(src), "tls.key": []byte("key\n")}, Options{})
	if diags.HasErrors() {
		t.Fatalf("%s\n%s", diags.Error(), src)
	}
	for _, it := range c.Items {
		if !it.IsSensitive("content") {
			t.Errorf("%s is not sensitive", it.Address())
		}
	}
}

// TestDocHostExamplesParse: the multi-line host declaration examples
// (those that show sensitive among them) are valid HCL syntax.
func TestDocHostExamplesParse(t *testing.T) {
	src, _, _ := strings.Cut(docSection(t, "Host declarations"), "servers    = [") // the meta-arguments follow
	var block []string
	parsed := 0
	for _, line := range strings.Split(src, "\n") {
		code, _, _ := strings.Cut(line, "#")
		code = strings.TrimSpace(code)
		switch {
		case block == nil && strings.HasSuffix(code, "{"):
			block = []string{line}
		case block != nil && code == "}":
			text := strings.Join(append(block, "}"), "\n")
			if _, diags := hclsyntax.ParseConfig([]byte(text), "doc.hcl", hcl.InitialPos); diags.HasErrors() {
				t.Errorf("%s\n%s", diags.Error(), text)
			}
			block, parsed = nil, parsed+1
		case block != nil:
			block = append(block, line)
		}
	}
	if parsed < 4 || !strings.Contains(src, "sensitive") {
		t.Fatalf("%d examples parsed; sensitive shown: %v", parsed, strings.Contains(src, "sensitive"))
	}
}

// docExamples returns the code blocks of doc.go's comment (the lines
// indented with a tab), each with the line it starts on.
func docExamples(t *testing.T) (blocks []string, lines []int) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var cur []string
	start := 0
	for i, line := range strings.Split(string(src), "\n") {
		code, ok := strings.CutPrefix(line, "//\t")
		if ok {
			if cur == nil {
				start = i + 1
			}
			cur = append(cur, code)
			continue
		}
		if cur != nil && line == "//" {
			cur = append(cur, "") // a blank line inside an example
			continue
		}
		if cur != nil {
			blocks, lines = append(blocks, strings.Join(cur, "\n")+"\n"), append(lines, start)
			cur = nil
		}
	}
	return blocks, lines
}

// Every example in doc.go parses, and uses only block types and arguments
// lang knows: all examples loaded together may fail on references and
// duplicates between them, never on syntax or schema.
func TestDocExamples(t *testing.T) {
	blocks, lines := docExamples(t)
	if len(blocks) < 5 {
		t.Fatalf("found %d examples in doc.go", len(blocks))
	}
	files := map[string][]byte{}
	for i, b := range blocks {
		name := fmt.Sprintf("doc.go:%d.hcl", lines[i])
		f, diags := hclsyntax.ParseConfig([]byte(b), name, hcl.InitialPos)
		if diags.HasErrors() {
			for _, d := range diags {
				t.Errorf("example at doc.go:%d does not parse: %s", lines[i]+d.Subject.Start.Line-1, d.Error())
			}
			continue
		}
		if len(f.Body.(*hclsyntax.Body).Blocks) == 0 {
			// Arguments alone are what every host declaration takes.
			b = "file \"fragment\" {\n  path = \"/etc/fragment\"\n  content = \"\"\n" + b + "}\n"
		}
		files[name] = []byte(b)
	}
	_, diags := testLoadFiles(files, Options{})
	for _, d := range diags {
		switch d.Summary {
		case "Unsupported block type", "Unsupported argument", "Missing required argument", "Extraneous label for block",
			"Missing name for block", "Unsupported attribute":
			t.Errorf("example: %s", d.Error())
		}
	}
}

// TestDocSelfExample loads the example of doc.go's self section and checks
// that each server gets its own content.
func TestDocSelfExample(t *testing.T) {
	src := `server "s1" {
  address = "198.51.100.1"
  labels  = { role = "web" }
}
server "s2" {
  address = "198.51.100.2"
  labels  = { role = "web" }
}
` + docSection(t, "The server a declaration is applied to: self")
	c, diags := testLoadFiles(map[string][]byte{"a.hcl": []byte(src)}, Options{})
	if diags.HasErrors() {
		t.Fatalf("%s\n%s", diags.Error(), src)
	}
	got := map[string]string{}
	for _, it := range c.Items {
		got[it.Address()+" "+strings.Join(it.Servers, ",")] = it.Settings["content"] + it.Settings["path"]
	}
	want := map[string]string{
		"file.motd s1":           "This is s1 (198.51.100.1), a web server.\n/etc/motd",
		"file.motd s2":           "This is s2 (198.51.100.2), a web server.\n/etc/motd",
		"directory.role_data s1": "/srv/web",
		"directory.role_data s2": "/srv/web",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drover/drover/core"
)

// TestSensitiveChangePrintsSizes: a sensitive file prints as the size of
// its content, never the content or a diff: when created (offline plans
// too), and when updated (the helper masks the fields with their sizes).
func TestSensitiveChangePrintsSizes(t *testing.T) {
	r := core.Resource{Kind: "file", Name: "/etc/key", Attrs: map[string]string{"path": "/etc/key", "content": "new-secret\n"},
		Sensitive: []string{"content"}}
	var b bytes.Buffer
	printChange(&b, core.Change{Action: core.Create, Resource: r}, palette{})
	if out := b.String(); !strings.Contains(out, "content = (sensitive, 11 bytes)") || strings.Contains(out, "secret") {
		t.Fatalf("printed:\n%s", out)
	}
	b.Reset()
	c := core.Change{Action: core.Update, Resource: r, Fields: []core.FieldChange{
		{Name: "content", Old: "(sensitive, 7 bytes)", New: "(sensitive, 11 bytes)"}}}
	printChange(&b, c, palette{})
	if out := b.String(); !strings.Contains(out, "content: (sensitive, 7 bytes) -> (sensitive, 11 bytes)") || strings.Contains(out, "secret") {
		t.Fatalf("printed:\n%s", out)
	}
	b.Reset()
	r.Attrs["content"] = core.Unknown
	printChange(&b, core.Change{Action: core.Create, Resource: r}, palette{})
	if out := b.String(); !strings.Contains(out, "content = (sensitive)") {
		t.Fatalf("printed:\n%s", out)
	}
}

// TestFailHidesSecrets: once a configuration is loaded, an error printed
// for people or streamed as JSON does not repeat its secrets, whichever
// layer's message quoted one.
func TestFailHidesSecrets(t *testing.T) {
	dir := t.TempDir()
	src := `variable "token" {
  default   = "s3cret-pass"
  sensitive = true
}
server "s1" { address = "198.51.100.1" }
command "login" { command = "login ${var.token}" }
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errs}
	if code := run([]string{"plan", "-offline", dir}, e); code != 0 {
		t.Fatalf("plan -offline exited %d: %s", code, errs.String())
	}
	if strings.Contains(out.String(), "s3cret") {
		t.Fatalf("the plan shows the secret:\n%s", out.String())
	}
	fail(e, errors.New("s1: command/login: exit status 1: login s3cret-pass refused"))
	if got := errs.String(); strings.Contains(got, "s3cret") || !strings.Contains(got, "exit status 1: (sensitive value) refused") {
		t.Fatalf("printed: %q", got)
	}
}

package main

import (
	"bytes"
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

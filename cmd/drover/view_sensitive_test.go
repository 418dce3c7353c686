package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/drover/drover/runner/host"
)

// TestSensitiveChangePrintsSizes: a sensitive file prints as the size of
// its content, never the content or a diff: when created (offline plans
// too), and when updated (the helper masks the fields with their sizes).
func TestSensitiveChangePrintsSizes(t *testing.T) {
	r := host.Resource{Kind: "file", Name: "/etc/key", Attrs: map[string]string{"path": "/etc/key", "content": "new-secret\n"},
		Sensitive: []string{"content"}}
	var b bytes.Buffer
	printChange(&b, host.Change{Action: host.Create, Resource: r}, palette{})
	if out := b.String(); !strings.Contains(out, "content = (sensitive, 11 bytes)") || strings.Contains(out, "secret") {
		t.Fatalf("printed:\n%s", out)
	}
	b.Reset()
	c := host.Change{Action: host.Update, Resource: r, Fields: []host.FieldChange{
		{Name: "content", Old: "(sensitive, 7 bytes)", New: "(sensitive, 11 bytes)"}}}
	printChange(&b, c, palette{})
	if out := b.String(); !strings.Contains(out, "content: (sensitive, 7 bytes) -> (sensitive, 11 bytes)") || strings.Contains(out, "secret") {
		t.Fatalf("printed:\n%s", out)
	}
	b.Reset()
	r.Attrs["content"] = host.Unknown
	printChange(&b, host.Change{Action: host.Create, Resource: r}, palette{})
	if out := b.String(); !strings.Contains(out, "content = (sensitive)") {
		t.Fatalf("printed:\n%s", out)
	}
}

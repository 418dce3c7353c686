package files

import (
	"sort"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// renderedKind writes a text file whose content is a template filled in
// with attributes at apply time (kind "rendered", ID "rendered/PATH"): a
// value another resource makes during the apply (a DHCP container's
// address, through Resource.Refs) can then be part of a file. It is
// written like the file kind (atomically, mode, owner, check).
//
// Attributes:
//   - path, mode, owner, check: as for the file kind
//   - template: the text; "${NAME}" is replaced by attribute var.NAME
//   - var.NAME: a value for the template
//
// Read compares the file with the filled-in template: when they match it
// reads back the desired template and values, else the file's text as
// template (so the plan shows an update).
type renderedKind struct{}

func (renderedKind) ReplaceOn() []string { return []string{"path"} }

func (renderedKind) Defaults(r core.Resource) core.Resource {
	return fileKind{}.Defaults(r)
}

// RenderTemplate fills "${NAME}" in template with the attributes var.NAME
// of attrs; other text is kept as it is.
func RenderTemplate(template string, attrs map[string]string) string {
	var pairs []string
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if name, ok := strings.CutPrefix(k, "var."); ok {
			pairs = append(pairs, "${"+name+"}", attrs[k])
		}
	}
	return strings.NewReplacer(pairs...).Replace(template)
}

// asFile is r as a file resource with its filled-in content.
func (renderedKind) asFile(r core.Resource) core.Resource {
	attrs := map[string]string{"content": RenderTemplate(r.Attrs["template"], r.Attrs)}
	for _, k := range []string{"path", "mode", "owner", "check"} {
		if v, ok := r.Attrs[k]; ok {
			attrs[k] = v
		}
	}
	return core.Resource{Kind: "file", Name: r.Name, Attrs: attrs}
}

func (k renderedKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	f := k.asFile(r)
	actual, exists, err := fileKind{}.Read(f, saved)
	if err != nil || !exists {
		return nil, exists, err
	}
	for key, v := range r.Attrs {
		if key == "template" || strings.HasPrefix(key, "var.") {
			actual[key] = v
		}
	}
	if actual["content"] != f.Attrs["content"] {
		actual["template"] = actual["content"]
	}
	delete(actual, "content")
	if _, private := actual[host.PrivateKey]; private {
		actual[host.PrivateKey] = "template"
	}
	return actual, true, nil
}

func (k renderedKind) Apply(r core.Resource, actualExists bool, saved map[string]string) (map[string]string, error) {
	return fileKind{}.Apply(k.asFile(r), actualExists, saved)
}

func (k renderedKind) Delete(r core.Resource, saved map[string]string) error {
	return fileKind{}.Delete(k.asFile(r), saved)
}

// Snapshot records, before a change, what Delete needs to undo it
// (host.Snapshotter).
func (k renderedKind) Snapshot(r core.Resource, saved map[string]string) map[string]string {
	return fileKind{}.Snapshot(k.asFile(r), saved)
}

package generic

import (
	"encoding/json"
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// templateType is `template "NAME"`: a file rendered on each server from
// a Go text/template with vars, the server and its facts.
func templateType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "template",
			Attrs: []lang.Attr{pathAttr(),
				{Name: "source", Type: cty.String, Required: true, Example: `"templates/hosts.tmpl"`, Grammar: "local-path"},
				{Name: "vars", Type: cty.DynamicPseudoType, Default: cty.EmptyObjectVal, Example: `{ domain = "lab" }`, Grammar: "template-var"},
				modeAttr("0644"), ownerAttr(), validateAttr(), sensitiveAttr()},
			Hides:    "content",
			Identity: pathIdentity,
			Check: func(c *lang.ItemCheck) {
				checkPathOwnerMode(c)
				c.Template()
			},
		},
		Expand: func(t *Target) error {
			content, err := render(t.Cluster, t.Item, t.Server, t.Facts)
			if err != nil {
				return err
			}
			t.Add("file", t.Settings()["path"], fileAttrs(t.Settings(), content))
			return nil
		},
	}
}

// render renders a template for one server with its facts.
func render(c *lang.Cluster, it *lang.Item, server string, f *core.Facts) (string, error) {
	if f == nil {
		return core.Unknown, nil
	}
	facts, err := TemplateFacts(f)
	if err != nil {
		return "", err
	}
	data := lang.TemplateData(c, server, it.Vars, facts)
	out, err := lang.RenderTemplate(it.Source, it.Settings["text"], data)
	if err != nil {
		return "", fmt.Errorf("%s on server %s: %w", it.Address(), server, err)
	}
	return out, nil
}

// TemplateFacts is a host's facts as templates see them (.facts): the
// JSON form of host.Facts, every key of lang.TemplateFactKeys present.
func TemplateFacts(f *core.Facts) (map[string]any, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	for _, k := range lang.TemplateFactKeys {
		if _, ok := out[k]; !ok {
			out[k] = emptyFact(k)
		}
	}
	return out, nil
}

func emptyFact(key string) any {
	switch key {
	case "interfaces", "link_kinds":
		return []any{}
	case "commands":
		return map[string]any{}
	}
	return ""
}

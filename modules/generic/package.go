package generic

import (
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// packageType is `package "NAME"`: a system package, present or absent;
// remove_on_delete uninstalls it when the declaration goes.
func packageType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "package",
			Attrs: []lang.Attr{nameAttr("package"),
				{Name: "state", Type: cty.String, Default: cty.StringVal("present"), Example: `"present"`, Grammar: "keyword"},
				{Name: "remove_on_delete", Type: cty.Bool, Default: cty.False, Example: "true"}},
			Identity: nameIdentity("package"),
			Check:    func(c *lang.ItemCheck) { c.OneOf("state", "present", "absent") },
		},
		Expand: func(t *Target) error {
			t.Add("package", t.Settings()["name"], packageAttrs(t.Settings()))
			return nil
		},
	}
}

// packageAttrs are a package's attributes; a plain installed package is
// just its name, so that other modules wanting it merge with it.
func packageAttrs(s map[string]string) map[string]string {
	attrs := map[string]string{"name": s["name"]}
	if s["state"] == "absent" {
		attrs["state"] = "absent"
	}
	if s["remove_on_delete"] == "true" {
		attrs["remove_on_delete"] = "true"
	}
	return attrs
}

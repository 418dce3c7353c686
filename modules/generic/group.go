package generic

import (
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// groupType is `group "NAME"`: a system group.
func groupType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "group",
			Attrs: []lang.Attr{nameAttr("account"),
				{Name: "gid", Type: cty.Number, Example: "991"},
				{Name: "system", Type: cty.Bool, Default: cty.False, Example: "true"}},
			Identity: nameIdentity("group"),
			Check:    func(c *lang.ItemCheck) { c.WholeNumber("gid") },
		},
		Expand: func(t *Target) error {
			s := t.Settings()
			t.Add("group", s["name"], pick(s, "name", "gid", "system"))
			return nil
		},
	}
}

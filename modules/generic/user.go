package generic

import (
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// userType is `user "NAME"`: a system account with its groups, home and
// shell.
func userType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "user",
			Attrs: []lang.Attr{nameAttr("account"),
				{Name: "uid", Type: cty.Number, Example: "990"},
				{Name: "group", Type: cty.String, Example: `"app"`, Grammar: "account"},
				{Name: "groups", Type: cty.List(cty.String), Example: `["adm"]`, Grammar: "account"},
				{Name: "home", Type: cty.String, Example: `"/var/lib/app"`, Grammar: "config-path"},
				{Name: "shell", Type: cty.String, Example: `"/usr/sbin/nologin"`, Grammar: "config-path"},
				{Name: "system", Type: cty.Bool, Default: cty.False, Example: "true"},
				{Name: "create_home", Type: cty.Bool, Default: cty.True, Example: "false"}},
			Identity: nameIdentity("user"),
			Check:    func(c *lang.ItemCheck) { c.WholeNumber("uid") },
		},
		Expand: func(t *Target) error {
			s := t.Settings()
			t.Add("user", s["name"], pick(s, "name", "uid", "group", "groups", "home", "shell", "system", "create_home"))
			return nil
		},
	}
}

package generic

import (
	"strings"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// commandType is `command "NAME"`: a command run once (again only when
// creates is missing or unless fails), with undo run when the
// declaration goes.
func commandType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "command",
			Attrs: []lang.Attr{
				{Name: "command", Type: cty.String, Required: true, Example: `"/opt/app/bin/init-db"`, Grammar: "shell"},
				{Name: "creates", Type: cty.String, Example: `"/var/lib/app/.initialised"`, Grammar: "abs-path"},
				{Name: "unless", Type: cty.String, Example: `"test -e /var/lib/app/db"`, Grammar: "shell"},
				{Name: "dir", Type: cty.String, Default: cty.StringVal("/"), Example: `"/opt/app"`, Grammar: "abs-path"},
				{Name: "undo", Type: cty.String, Example: `"rm -rf /var/lib/app/db"`, Grammar: "shell"}},
		},
		Expand: func(t *Target) error {
			it := t.Item
			t.Add("exec", strings.TrimPrefix(it.Address(), it.Kind+"."), pick(t.Settings(), "command", "creates", "unless", "dir", "undo"))
			return nil
		},
	}
}

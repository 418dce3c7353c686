package generic

import (
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// symlinkType is `symlink "NAME"`: a symbolic link at path to target.
func symlinkType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "symlink",
			Attrs: []lang.Attr{pathAttr(),
				{Name: "target", Type: cty.String, Required: true, Example: `"/opt/app/releases/1"`, Grammar: "link-target"}},
			Identity: pathIdentity,
			Check:    func(c *lang.ItemCheck) { c.AbsolutePath("path") },
		},
		Expand: func(t *Target) error {
			s := t.Settings()
			t.Add("symlink", s["path"], pick(s, "path", "target"))
			return nil
		},
	}
}

package generic

import (
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// directoryType is `directory "NAME"`: a directory with its mode and
// owner; purge removes what drover did not put in it.
func directoryType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "directory",
			Attrs: []lang.Attr{pathAttr(), modeAttr("0755"), ownerAttr(),
				{Name: "purge", Type: cty.Bool, Default: cty.False, Example: "false"}},
			Identity: pathIdentity,
			Check:    checkPathOwnerMode,
		},
		Expand: func(t *Target) error {
			s := t.Settings()
			attrs := pick(s, "path", "mode", "owner")
			if s["purge"] == "true" {
				attrs["purge"] = "true"
			}
			t.Add("directory", s["path"], attrs)
			return nil
		},
	}
}

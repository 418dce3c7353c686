package generic

import (
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// fileType is `file "NAME"`: a file's content, written as given or read
// from source, with its mode and owner; validate checks it before it
// replaces the old one.
func fileType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "file",
			Attrs: []lang.Attr{pathAttr(),
				{Name: "content", Type: cty.String, Example: `"hello\n"`, Grammar: "free-content"},
				{Name: "source", Type: cty.String, Example: `"files/motd"`, Grammar: "local-path"},
				modeAttr("0644"), ownerAttr(), validateAttr(), sensitiveAttr()},
			Hides:    "content",
			Identity: pathIdentity,
			Check: func(c *lang.ItemCheck) {
				checkPathOwnerMode(c)
				c.ReadSource()
			},
		},
		Expand: func(t *Target) error {
			s := t.Settings()
			t.Add("file", s["path"], fileAttrs(s, s["content"]))
			return nil
		},
	}
}

// fileAttrs are the attributes of a file resource with content.
func fileAttrs(s map[string]string, content string) map[string]string {
	attrs := pick(s, "path", "mode", "owner")
	attrs["content"] = content
	attrs["restore"] = "true" // a file drover replaced comes back on removal
	if v := s["validate"]; v != "" {
		attrs["check"] = v
	}
	return attrs
}

package generic

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// lineType is `line "NAME"`: one line of a file, present (replacing the
// lines regexp selects, or inserted after insert_after) or absent.
func lineType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "line",
			Attrs: []lang.Attr{pathAttr(),
				{Name: "line", Type: cty.String, Example: `"PermitRootLogin no"`, Grammar: "line"},
				{Name: "regexp", Type: cty.String, Example: `"^#?PermitRootLogin "`, Grammar: "regex"},
				{Name: "state", Type: cty.String, Default: cty.StringVal("present"), Example: `"present"`, Grammar: "keyword"},
				{Name: "insert_after", Type: cty.String, Example: `"^# Authentication"`, Grammar: "regex"},
				{Name: "create", Type: cty.Bool, Default: cty.True, Example: "true"}, sensitiveAttr()},
			Hides:    "line",
			Identity: lineIdentity,
			Check:    checkLine,
		},
		Expand: func(t *Target) error {
			t.Add("line", lineName(t.Item), pick(t.Settings(), "path", "line", "regexp", "state", "insert_after", "create"))
			return nil
		},
	}
}

// lineIdentity is the line in its file: two lines selecting the same
// line of one file would fight.
func lineIdentity(s map[string]string) (key, what, attr string) {
	p := lang.CleanPath(s["path"])
	sel := s["regexp"]
	if sel == "" {
		sel = s["line"]
	}
	return "line " + p + "#" + sel, fmt.Sprintf("the line %q of %s", sel, p), "path"
}

func checkLine(c *lang.ItemCheck) {
	c.AbsolutePath("path")
	c.OneOf("state", "present", "absent")
	c.Regexp("regexp")
	c.Regexp("insert_after")
	switch {
	case strings.ContainsAny(c.Setting("line"), "\r\n"):
		c.Fail("line", "Invalid line", "line holds a newline; a line declaration manages exactly one line. Declare one line per line, or use a file.")
	case c.Setting("state") == "present" && !c.IsSet("line"):
		c.Fail("path", "Missing line", "A line with state = \"present\" needs the line to write, for example line = \"PermitRootLogin no\".")
	case c.Setting("state") == "absent" && c.Setting("line") == "" && c.Setting("regexp") == "":
		c.Fail("state", "Missing regexp", "A line with state = \"absent\" needs regexp (or line) to say which lines to remove, for example regexp = \"^PermitRootLogin \".")
	}
}

// LineName is a line resource's name: its path and what selects the line.
func LineName(s map[string]string) string {
	sel := s["regexp"]
	if sel == "" {
		sel = s["line"]
	}
	return s["path"] + "#" + sel
}

// lineName is LineName, except that a sensitive selector (the line of a
// sensitive line, without regexp) is replaced by its hash: resource IDs
// are printed everywhere.
func lineName(it *lang.Item) string {
	s := it.Settings
	if s["regexp"] == "" && it.IsSensitive("line") || s["regexp"] != "" && it.IsSensitive("regexp") {
		sel := s["regexp"] + s["line"]
		if s["regexp"] != "" {
			sel = s["regexp"]
		}
		sum := sha256.Sum256([]byte(sel))
		return s["path"] + "#sha256:" + hex.EncodeToString(sum[:8])
	}
	return LineName(s)
}

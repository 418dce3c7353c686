package host

import (
	"fmt"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
)

// Diff compares desired attributes with actual ones. Only keys of desired
// are compared, and only those present in actual (a key Read leaves out is
// not readable). Fields come in key order.
func Diff(desired, actual map[string]string) []FieldChange {
	var fields []FieldChange
	for _, key := range SortedKeys(desired) {
		old, readable := actual[key]
		if !readable || old == desired[key] {
			continue
		}
		fields = append(fields, FieldChange{Name: key, Old: old, New: desired[key]})
	}
	return fields
}

// contentKey is the attribute whose changes are shown as a unified diff.
const contentKey = "content"

// describeChange fills c.Fields and c.Diff for people: sensitive values
// masked, long content summarised in the field and shown as a unified diff.
func describeChange(c *Change, fields []FieldChange, replaceOn []string) {
	r := c.Resource
	for _, f := range fields {
		f.ForcesReplace = c.Action != Create && contains(replaceOn, f.Name)
		if r.IsSensitive(f.Name) {
			f.Old, f.New = maskIfSet(f.Old), maskIfSet(f.New)
		} else if f.Name == contentKey && f.New != Unknown {
			c.Diff = unifiedDiff(r.ID(), f.Old, f.New, c.Action == Create)
			f.Old, f.New = summarize(f.Old, c.Action == Create), summarize(f.New, false)
		}
		c.Fields = append(c.Fields, f)
	}
}

// createFields lists every non-empty desired attribute of a new resource.
func createFields(r Resource) []FieldChange {
	var fields []FieldChange
	for _, key := range SortedKeys(r.Attrs) {
		if v := r.Attrs[key]; v != "" {
			fields = append(fields, FieldChange{Name: key, New: v})
		}
	}
	return fields
}

func unifiedDiff(name, old, new string, created bool) string {
	oldName := name + " (actual)"
	if created {
		oldName = "/dev/null"
	}
	return string(diff.Diff(oldName, []byte(old), name+" (desired)", []byte(new)))
}

func summarize(s string, absent bool) string {
	if absent {
		return ""
	}
	return fmt.Sprintf("(%d lines, %d bytes)", strings.Count(s, "\n")+boolInt(!strings.HasSuffix(s, "\n") && s != ""), len(s))
}

func maskIfSet(s string) string {
	if s == "" {
		return ""
	}
	return Sensitive
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

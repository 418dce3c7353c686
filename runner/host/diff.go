package host

import (
	"fmt"
	"strings"

	"github.com/drover/drover/core"
	"github.com/rogpeppe/go-internal/diff"
	"golang.org/x/sys/unix"
)

// Diff compares desired attributes with actual ones. Only keys of desired
// are compared, and only those present in actual (a key Read leaves out is
// not readable). Fields come in key order.
func Diff(desired, actual map[string]string) []core.FieldChange {
	var fields []core.FieldChange
	for _, key := range core.SortedKeys(desired) {
		old, readable := actual[key]
		if !readable || old == desired[key] {
			continue
		}
		fields = append(fields, core.FieldChange{Name: key, Old: old, New: desired[key]})
	}
	return fields
}

// contentKey is the attribute whose changes are shown as a unified diff.
const contentKey = "content"

// describeChange fills c.Fields and c.Diff for people: sensitive values
// masked, long content summarised in the field and shown as a unified diff.
func describeChange(c *core.Change, fields []core.FieldChange, replaceOn []string) {
	r := c.Resource
	for _, f := range fields {
		f.ForcesReplace = c.Action != core.Create && contains(replaceOn, f.Name)
		if r.IsSensitive(f.Name) {
			f.Old, f.New = maskField(f.Name, f.Old), maskField(f.Name, f.New)
		} else if f.Name == contentKey && f.New != core.Unknown {
			c.Diff = unifiedDiff(r.ID(), f.Old, f.New, c.Action == core.Create)
			f.Old, f.New = summarize(f.Old, c.Action == core.Create), summarize(f.New, false)
		}
		c.Fields = append(c.Fields, f)
	}
}

// createFields lists every non-empty desired attribute of a new resource.
func createFields(r core.Resource) []core.FieldChange {
	var fields []core.FieldChange
	for _, key := range core.SortedKeys(r.Attrs) {
		if v := r.Attrs[key]; v != "" {
			fields = append(fields, core.FieldChange{Name: key, New: v})
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
	return core.Sensitive
}

// maskField masks a sensitive field's value; a file's content keeps its
// size, as Terraform shows a sensitive file's diff.
func maskField(name, s string) string {
	if name == contentKey && s != "" && s != core.Unknown {
		return fmt.Sprintf("(sensitive, %d bytes)", len(s))
	}
	return maskIfSet(s)
}

// PrivateKey is the key under which Read reports which of its attributes
// came from a file other users cannot read (see MarkPrivate). Plan takes it
// out of the actual state and treats those attributes as sensitive, so
// that drover never shows what only root could read on the host.
const PrivateKey = "\x00private"

// MarkPrivate records in actual (already cut to the desired keys) that
// its content-bearing attributes come from a file that is not readable by
// everyone (st), and returns actual.
func MarkPrivate(actual map[string]string, st unix.Stat_t, keys ...string) map[string]string {
	if st.Mode&0o004 != 0 {
		return actual
	}
	if len(keys) == 0 {
		keys = []string{contentKey}
	}
	actual[PrivateKey] = strings.Join(keys, ",")
	return actual
}

// takePrivate removes the privacy mark from actual and makes the marked
// attributes of r sensitive.
func takePrivate(r *core.Resource, actual map[string]string) {
	keys, ok := actual[PrivateKey]
	if !ok {
		return
	}
	delete(actual, PrivateKey)
	for _, k := range strings.Split(keys, ",") {
		if !r.IsSensitive(k) {
			r.Sensitive = append(append([]string(nil), r.Sensitive...), k)
		}
	}
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

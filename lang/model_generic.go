package lang

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

// attrSensitive is the setting of file, template and line (and variable)
// blocks that hides their value from plan and apply output.
const attrSensitive = "sensitive"

// IsSensitive reports whether the item's setting name must not be printed.
func (i *Item) IsSensitive(name string) bool {
	for _, s := range i.Sensitive {
		if s == name {
			return true
		}
	}
	return false
}

// Item is one instance of a host declaration (`file "motd" { ... }`), with
// for_each and count expanded: a declaration with for_each = ["a", "b"]
// gives the items file.motd["a"] and file.motd["b"]. Items keep
// declaration order, then instance order (map keys sorted, lists in
// order).
type Item struct {
	Kind string // block type: "file", "template", ... (an ItemKind)
	Name string // the block's label
	// Key is the instance key: each.key for for_each, count.index for
	// count, "" for a declaration with neither.
	Key   string
	Keyed bool // for_each (string key) or count (number key) was set
	Count bool // the key is count.index
	// Servers are the servers the item applies to, in cluster order:
	// those of `servers`, filtered by `where` labels; all without either.
	// An instance whose settings read self gives one item per server,
	// each with one name here and its own settings.
	Servers []string
	// Settings are the kind's attributes as strings, defaults applied;
	// "" means unset. Booleans are "true"/"false", lists are joined with
	// commas. File sources are read: a file's content is in "content".
	Settings map[string]string
	// Vars are a template's variables (a "vars" setting), as JSON-like
	// Go values (map[string]any, []any, string, float64, bool, nil).
	Vars map[string]any
	// Source is the path of the template or file source read, as
	// written relative to the declaring file's folder ("" when none).
	Source string
	// Sensitive names the settings whose values must never be printed:
	// those computed from a sensitive variable, and the content of a file
	// or template (the line of a line) declared with sensitive = true. A
	// template whose vars are sensitive has sensitive content.
	Sensitive []string
	// After lists the declarations ("file.motd", "directory.app") whose
	// items must be applied before this one: from depends_on, from
	// references in this declaration's attributes, and from notify/watch.
	After []string
	// Watch lists the declarations whose changes restart or reload this
	// service (a Restartable type): its own watch plus other items' notify.
	Watch []string

	DeclRange hcl.Range
}

// Decl is the declaration's reference name: "file.motd".
func (i *Item) Decl() string { return i.Kind + "." + i.Name }

// Address names the instance: `file.motd`, `file.motd["a"]`,
// `file.motd[0]`. Resources made for the item are owned by it.
func (i *Item) Address() string {
	switch {
	case !i.Keyed:
		return i.Decl()
	case i.Count:
		return fmt.Sprintf("%s[%s]", i.Decl(), i.Key)
	}
	return fmt.Sprintf("%s[%s]", i.Decl(), strconv.Quote(i.Key))
}

// Targets reports whether the item applies to server name.
func (i *Item) Targets(name string) bool {
	for _, s := range i.Servers {
		if s == name {
			return true
		}
	}
	return false
}

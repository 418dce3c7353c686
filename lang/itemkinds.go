package lang

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ItemKind is one host declaration type (`file "NAME" { ... }`) as lang
// sees it: its settings, what one item of it manages on a server, and how
// its settings are checked. The type's package (modules/generic) registers
// it with Kinds.AddItem and expands its items. lang keeps what every type
// shares: the meta-arguments (for_each, count, servers, where, depends_on,
// notify, watch), self, references, source files and templates.
type ItemKind struct {
	Type string // the block type: "file"
	// Attrs are the settings, in the order they evaluate and print; one
	// named "name" without a default defaults to the block's label.
	// Settings named "vars" (a template's variables, Item.Vars) and
	// "source" (read by ItemCheck.ReadSource or Template) feed the
	// content: when sensitive, they make "content" sensitive.
	Attrs []Attr
	// Restartable types (services) take watch, the declarations whose
	// changes restart or reload them, and are what notify names; the
	// others take notify.
	Restartable bool
	// Hides names the setting `sensitive = true` hides from output
	// ("content", "line"); "" when the type has no sensitive setting.
	Hides string
	// Identity is what an item manages on a server (key), for people
	// (what), and the setting that names it (attr): two items with one
	// key on one server are reported at attr. key "" = nothing unique.
	Identity func(settings map[string]string) (key, what, attr string)
	// Check checks one item's settings, each problem at its attribute.
	Check func(c *ItemCheck)
}

// AddItem registers a host declaration type. A type registered twice, or
// a string setting without a grammar, panics at startup.
func (k *Kinds) AddItem(ik ItemKind) {
	if slices.ContainsFunc(k.items, func(o ItemKind) bool { return o.Type == ik.Type }) {
		panic(fmt.Sprintf("lang: host declaration type %q registered twice", ik.Type))
	}
	for _, a := range ik.Attrs {
		if isStringish(a.Type) && grammarByName(a.Grammar) == nil {
			panic(fmt.Sprintf("lang: host declaration type %q: attribute %q has no grammar (%q is not one)", ik.Type, a.Name, a.Grammar))
		}
	}
	k.items = append(k.items, ik)
}

// ItemTypes lists the registered host declaration types, in registration
// order.
func (k *Kinds) ItemTypes() []string {
	var out []string
	for _, ik := range k.itemsInOrder() {
		out = append(out, ik.Type)
	}
	return out
}

func (k *Kinds) itemsInOrder() []ItemKind {
	if k == nil {
		return nil
	}
	return k.items
}

func (k *Kinds) item(typ string) (ItemKind, bool) {
	i := slices.IndexFunc(k.itemsInOrder(), func(o ItemKind) bool { return o.Type == typ })
	if i < 0 {
		return ItemKind{}, false
	}
	return k.items[i], true
}

func (k *Kinds) isItem(typ string) bool {
	_, ok := k.item(typ)
	return ok
}

// restartable tells whether typ is a host declaration type notify names.
func (k *Kinds) restartable(typ string) bool {
	ik, ok := k.item(typ)
	return ok && ik.Restartable
}

// specs are the type's settings as lang's attribute specs.
func (ik ItemKind) specs() []attrSpec { return specsOf(ik.Type, ik.Attrs) }

// ItemCheck is one item while its type checks it: its settings, and ways
// to report a problem at the attribute that causes it (once, however many
// instances share it). A check that fails makes the item unusable.
type ItemCheck struct {
	l    *loader
	d    *genericDecl
	inst *genericInstance
	it   *Item
	ok   bool
}

// Setting is a setting as the item keeps it ("" when unset).
func (c *ItemCheck) Setting(attr string) string { return c.it.Settings[attr] }

// IsSet tells whether the setting was written in the block.
func (c *ItemCheck) IsSet(attr string) bool { return c.inst.set[attr] }

// Fail reports a problem at attr (the block when attr was not written).
func (c *ItemCheck) Fail(attr, summary, format string, args ...any) {
	c.l.genericError(c.inst.ranges[attr], summary, fmt.Sprintf(format, args...))
	c.ok = false
}

// OneOf checks that a setting is one of allowed.
func (c *ItemCheck) OneOf(attr string, allowed ...string) {
	s := c.Setting(attr)
	if slices.Contains(allowed, s) {
		return
	}
	c.Fail(attr, "Invalid "+attr, "%s = %q is not one of %s. Write for example %s = %q.", attr, s, quoteAll(allowed), attr, allowed[0])
}

// Regexp checks that a setting, when set, is a regular expression.
func (c *ItemCheck) Regexp(attr string) {
	if _, err := regexp.Compile(c.Setting(attr)); c.Setting(attr) != "" && err != nil {
		c.Fail(attr, "Invalid regular expression", "%s = %q: %s. drover uses Go's RE2 syntax.", attr, c.Setting(attr), err)
	}
}

// AbsolutePath checks that a path setting is absolute.
func (c *ItemCheck) AbsolutePath(attr string) {
	if p := c.Setting(attr); !filepath.IsAbs(p) {
		c.Fail(attr, "Path is not absolute", "%s = %q must be an absolute path, for example %s = %q.", attr, p, attr, "/"+strings.TrimLeft(p, "./"))
	}
}

// Mode checks that a setting is an octal permission mode.
func (c *ItemCheck) Mode(attr string) {
	if m := c.Setting(attr); !validMode(m) {
		c.Fail(attr, "Invalid mode", "%s = %q is not an octal permission mode. Write it as a string of octal digits, for example %s = \"0640\".", attr, m, attr)
	}
}

// Owner checks that a setting is USER or USER:GROUP.
func (c *ItemCheck) Owner(attr string) {
	if o := c.Setting(attr); !validOwner(o) {
		c.Fail(attr, "Invalid owner", "%s = %q is not USER or USER:GROUP. Write for example %s = \"www-data:www-data\".", attr, o, attr)
	}
}

// WholeNumber checks that a number setting, when set, is a whole number
// from 0.
func (c *ItemCheck) WholeNumber(attr string) {
	if !wholeNumber(c.inst.values[attr]) {
		c.Fail(attr, "Invalid "+attr, "%s must be a whole number from 0, for example %s = 990.", attr, attr)
	}
}

// ReadSource reads the file the setting source names (relative to the
// declaring file's folder) into the setting content; writing both is a
// problem.
func (c *ItemCheck) ReadSource() {
	if !c.l.readFileSource(c.inst, c.it, c.Fail) {
		c.ok = false
	}
}

// Template reads the template the setting source names into the setting
// text, and renders it for every target server with placeholder facts,
// reporting an error at the template's own line.
func (c *ItemCheck) Template() {
	if !c.l.loadTemplate(c.d, c.inst, c.it, c.Fail) {
		c.ok = false
	}
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

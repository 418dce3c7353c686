package generic

import (
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/zclconf/go-cty/cty"
)

// Type is one host declaration type, one file of this package each
// (file.go, service.go, ...): how lang reads and checks it (Kind) and
// what one of its items wants on one server (Expand). Types lists them.
type Type struct {
	Kind lang.ItemKind
	// Expand adds the item's resources (and checks) to t.Set.
	Expand func(t *Target) error
}

// Types are the host declaration types, in the order the documentation
// lists them: the one list a new type is added to. modules.Kinds
// registers them with lang.
func Types() []Type {
	return []Type{fileType(), templateType(), directoryType(), symlinkType(), lineType(),
		packageType(), serviceType(), sysctlType(), userType(), groupType(), commandType()}
}

// types indexes Types by block type.
func types() map[string]Type {
	out := map[string]Type{}
	for _, t := range Types() {
		out[t.Kind.Type] = t
	}
	return out
}

// Target is one item on one server while its type expands it.
type Target struct {
	Cluster *lang.Cluster
	Item    *lang.Item
	Server  string
	Facts   *core.Facts // nil when the server's facts are not known
	Set     *blocks.Set
	// After are the resource IDs the item's resources come after on this
	// server (its After declarations'); Add puts them on each resource.
	After []string
	made  built
}

// Settings are the item's settings.
func (t *Target) Settings() map[string]string { return t.Item.Settings }

// Add adds a resource owned by the item, after t.After, and returns its
// ID.
func (t *Target) Add(kind, name string, attrs map[string]string) string {
	return t.Set.Add(kind, name, attrs, t.After...)
}

// Check adds a verify check owned by the item.
func (t *Target) Check(kind, desc string, attrs map[string]string) {
	t.Set.Check(kind, desc, attrs)
}

// expandItem builds one item's resources on one server.
func expandItem(c *lang.Cluster, it *lang.Item, server string, f *core.Facts, made built, byType map[string]Type) (*blocks.Set, error) {
	typ, ok := byType[it.Kind]
	if !ok {
		return nil, fmt.Errorf("%s: unknown declaration kind %q", it.Address(), it.Kind)
	}
	set := &blocks.Set{Owner: Owner(it)}
	t := &Target{Cluster: c, Item: it, Server: server, Facts: f, Set: set, After: dependencies(c, it, server, made), made: made}
	if err := typ.Expand(t); err != nil {
		return nil, err
	}
	markSensitive(it, set)
	return set, nil
}

// Settings shared by several types.

func pathAttr() lang.Attr {
	return lang.Attr{Name: "path", Type: cty.String, Required: true, Example: `"/etc/motd"`, Grammar: "managed-path"}
}

func modeAttr(deflt string) lang.Attr {
	return lang.Attr{Name: "mode", Type: cty.String, Default: cty.StringVal(deflt), Example: `"` + deflt + `"`, Grammar: "mode"}
}

func ownerAttr() lang.Attr {
	return lang.Attr{Name: "owner", Type: cty.String, Default: cty.StringVal("root:root"), Example: `"www-data:www-data"`, Grammar: "owner"}
}

func validateAttr() lang.Attr {
	return lang.Attr{Name: "validate", Type: cty.String, Default: cty.StringVal(""), Example: `"nginx -t -c {}"`, Grammar: "shell"}
}

// nameAttr is the name of what the item manages; it defaults to the
// block's label.
func nameAttr(grammar string) lang.Attr {
	return lang.Attr{Name: "name", Type: cty.String, Example: `"nginx"`, Grammar: grammar}
}

// sensitiveAttr hides the setting the type's Hides names from output.
func sensitiveAttr() lang.Attr {
	return lang.Attr{Name: "sensitive", Type: cty.Bool, Default: cty.False, Example: "true"}
}

// pathIdentity is the identity of a type that manages a path.
func pathIdentity(s map[string]string) (key, what, attr string) {
	p := lang.CleanPath(s["path"])
	return "path " + p, "path " + p, "path"
}

// nameIdentity is the identity of a type that manages a named thing
// ("package nginx").
func nameIdentity(typ string) func(s map[string]string) (key, what, attr string) {
	return func(s map[string]string) (string, string, string) {
		return typ + " " + s["name"], typ + " " + s["name"], "name"
	}
}

// checkPathOwnerMode checks the settings of a type writing a file or
// directory.
func checkPathOwnerMode(c *lang.ItemCheck) {
	c.AbsolutePath("path")
	c.Mode("mode")
	c.Owner("owner")
}

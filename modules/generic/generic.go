// Package generic expands host declarations (file, template, directory,
// symlink, line, package, service, sysctl, user, group, command) into the
// host resources of every server they target, in apply order: declaration
// order, moved only where depends_on, references, watch or notify say one
// declaration comes after another. Services watching files get a
// restart_key hashed from what they watch, so a changed file restarts or
// reloads them (the handler). Pure: no host is touched here.
package generic

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Owner is the declaration name an item's resources belong to:
// `file.motd`, `directory.app["/opt/app"]`.
func Owner(it *lang.Item) string { return it.Address() }

// Expand returns, per server name, one set per item in apply order.
// facts[name] is nil for a server whose facts are not known (offline):
// templates then render as host.Unknown.
func Expand(c *lang.Cluster, facts map[string]*core.Facts) (map[string][]*blocks.Set, error) {
	items := Order(c.Items)
	out := map[string][]*blocks.Set{}
	made := newBuilt(c.Items)
	var errs []string
	for _, srv := range c.Servers {
		made.res[srv.Name] = map[*lang.Item][]core.Resource{}
		for _, it := range items {
			if !made.targets(it, srv.Name) {
				continue
			}
			set, err := expandItem(c, it, srv.Name, facts[srv.Name], made)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			made.res[srv.Name][it] = set.Resources
			out[srv.Name] = append(out[srv.Name], set)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	addCrossHost(c, out, made)
	return out, nil
}

// addCrossHost makes the resources of an item come after those of the
// declarations it depends on that do not target its server, on their
// servers ("HOST:KIND/NAME").
func addCrossHost(c *lang.Cluster, out map[string][]*blocks.Set, made built) {
	for server, sets := range out {
		for it := range made.res[server] {
			var after []string
			for _, dep := range it.After {
				if made.declTargets(dep, server) {
					continue // on this server: dependencies() orders it
				}
				for _, other := range made.byDecl[dep] {
					for _, srv := range other.Servers {
						for _, r := range made.res[srv][other] {
							after = append(after, srv+":"+r.ID())
						}
					}
				}
			}
			if len(after) == 0 {
				continue
			}
			for _, set := range sets {
				if set.Owner != Owner(it) {
					continue
				}
				for i := range set.Resources {
					set.Resources[i].After = append(set.Resources[i].After, after...)
				}
			}
		}
	}
}

// declTargets tells whether any item of the declaration decl targets
// server: a declaration reading self has one item per server, and the
// others' items are not a cross-host dependency of this server's.
func (b built) declTargets(decl, server string) bool {
	for _, it := range b.byDecl[decl] {
		if b.targets(it, server) {
			return true
		}
	}
	return false
}

// built are the resources made so far, by server and item, with the
// cluster's items indexed for the lookups made once per server (a scan
// of every item's servers there made expansion quadratic in servers).
type built struct {
	res    map[string]map[*lang.Item][]core.Resource // server -> item -> resources
	byDecl map[string][]*lang.Item                   // declaration -> its items, in order
	on     map[*lang.Item]map[string]bool            // item -> the servers it targets
}

// newBuilt indexes items; nothing is made yet.
func newBuilt(items []*lang.Item) built {
	b := built{res: map[string]map[*lang.Item][]core.Resource{}, byDecl: map[string][]*lang.Item{},
		on: make(map[*lang.Item]map[string]bool, len(items))}
	for _, it := range items {
		b.byDecl[it.Decl()] = append(b.byDecl[it.Decl()], it)
		on := make(map[string]bool, len(it.Servers))
		for _, s := range it.Servers {
			on[s] = true
		}
		b.on[it] = on
	}
	return b
}

// targets is it.Targets(server), by the index.
func (b built) targets(it *lang.Item, server string) bool { return b.on[it][server] }

// Order sorts items so that each comes after the declarations in its
// After, keeping declaration order otherwise. lang rejects cycles; any
// left are broken in declaration order.
func Order(items []*lang.Item) []*lang.Item {
	byDecl := map[string][]int{}
	for i, it := range items {
		byDecl[it.Decl()] = append(byDecl[it.Decl()], i)
	}
	done := make([]bool, len(items))
	visiting := make([]bool, len(items))
	var out []*lang.Item
	var visit func(i int)
	visit = func(i int) {
		if done[i] || visiting[i] {
			return
		}
		visiting[i] = true
		for _, dep := range items[i].After {
			for _, j := range byDecl[dep] {
				visit(j)
			}
		}
		visiting[i] = false
		done[i] = true
		out = append(out, items[i])
	}
	for i := range items {
		visit(i)
	}
	return out
}

// expandItem builds one item's resources on one server.
func expandItem(c *lang.Cluster, it *lang.Item, server string, f *core.Facts, made built) (*blocks.Set, error) {
	set := &blocks.Set{Owner: Owner(it)}
	after := dependencies(c, it, server, made)
	s := it.Settings
	switch it.Kind {
	case lang.KindFile:
		set.Add("file", s["path"], fileAttrs(s, s["content"]), after...)
	case lang.KindTemplate:
		content, err := render(c, it, server, f)
		if err != nil {
			return nil, err
		}
		set.Add("file", s["path"], fileAttrs(s, content), after...)
	case lang.KindDirectory:
		attrs := pick(s, "path", "mode", "owner")
		if s["purge"] == "true" {
			attrs["purge"] = "true"
		}
		set.Add("directory", s["path"], attrs, after...)
	case lang.KindSymlink:
		set.Add("symlink", s["path"], pick(s, "path", "target"), after...)
	case lang.KindLine:
		set.Add("line", lineName(it), pick(s, "path", "line", "regexp", "state", "insert_after", "create"), after...)
	case lang.KindPackage:
		set.Add("package", s["name"], packageAttrs(s), after...)
	case lang.KindService:
		addService(c, it, server, set, after, made)
	case lang.KindSysctl:
		addSysctl(s, set, after)
	case lang.KindUser:
		set.Add("user", s["name"], pick(s, "name", "uid", "group", "groups", "home", "shell", "system", "create_home"), after...)
	case lang.KindGroup:
		set.Add("group", s["name"], pick(s, "name", "gid", "system"), after...)
	case lang.KindCommand:
		set.Add("exec", strings.TrimPrefix(it.Address(), it.Kind+"."), pick(s, "command", "creates", "unless", "dir", "undo"), after...)
	default:
		return nil, fmt.Errorf("%s: unknown declaration kind %q", it.Address(), it.Kind)
	}
	markSensitive(it, set)
	return set, nil
}

// resourceAttr is the resource attribute a setting becomes, where the
// names differ.
var resourceAttr = map[string]string{"validate": "check"}

// markSensitive names, on each resource of the item, the attributes
// holding a sensitive setting (sensitive = true, or computed from a
// sensitive variable), so that plan and apply print (sensitive) for them.
func markSensitive(it *lang.Item, set *blocks.Set) {
	for i := range set.Resources {
		r := &set.Resources[i]
		for _, name := range it.Sensitive {
			if a, ok := resourceAttr[name]; ok {
				name = a
			}
			if _, ok := r.Attrs[name]; ok && !r.IsSensitive(name) {
				r.Sensitive = append(r.Sensitive, name)
			}
		}
	}
}

// dependencies are the resource IDs, on this server, an item's resources
// come after: those of its After declarations.
func dependencies(c *lang.Cluster, it *lang.Item, server string, made built) []string {
	var after []string
	for _, dep := range it.After {
		if t := orderTargetOf(c, dep); t != nil {
			after = append(after, orderTargetID(t, server))
			continue
		}
		for _, other := range made.byDecl[dep] {
			if made.targets(other, server) {
				for _, r := range made.res[server][other] {
					after = append(after, r.ID())
				}
			}
		}
	}
	return after
}

// pick copies the non-empty settings named.
func pick(s map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		if v := s[k]; v != "" {
			out[k] = v
		}
	}
	return out
}

func fileAttrs(s map[string]string, content string) map[string]string {
	attrs := pick(s, "path", "mode", "owner")
	attrs["content"] = content
	attrs["restore"] = "true" // a file drover replaced comes back on removal
	if v := s["validate"]; v != "" {
		attrs["check"] = v
	}
	return attrs
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

// packageAttrs are a package's attributes; a plain installed package is
// just its name, so that other modules wanting it merge with it.
func packageAttrs(s map[string]string) map[string]string {
	attrs := map[string]string{"name": s["name"]}
	if s["state"] == "absent" {
		attrs["state"] = "absent"
	}
	if s["remove_on_delete"] == "true" {
		attrs["remove_on_delete"] = "true"
	}
	return attrs
}

// addService adds a daemon drover runs (command set) or drives a service
// the system has, with a restart_key hashed from what it watches.
func addService(c *lang.Cluster, it *lang.Item, server string, set *blocks.Set, after []string, made built) {
	s := it.Settings
	key := watchKey(c, it, server, made)
	if s["command"] != "" {
		reload := "restart"
		if s["reload"] == "reload" {
			reload = "SIGHUP"
		}
		attrs := map[string]string{"command": s["command"], "reload": reload, "restart_key": key}
		if s["pidfile"] != "" {
			attrs["pidfile"] = s["pidfile"]
		}
		set.Add("service", s["name"], attrs, after...)
		set.Check("service", fmt.Sprintf("%s runs on %s", it.Address(), server), map[string]string{"name": s["name"]})
		return
	}
	attrs := pick(s, "name", "state", "enabled", "reload", "pidfile")
	attrs["restart_key"] = key
	set.Add("sysservice", s["name"], attrs, after...)
}

// watchKey hashes the resources, on this server, of the declarations a
// service watches; host.Unknown while any of them is not known.
func watchKey(c *lang.Cluster, it *lang.Item, server string, made built) string {
	if len(it.Watch) == 0 {
		return ""
	}
	var parts []string
	for _, w := range it.Watch {
		if t := orderTargetOf(c, w); t != nil {
			// A replaced attachment (new address, network) is a new
			// namespace: what runs in it starts again.
			parts = append(append(parts, orderTargetID(t, server)), t.WatchParts()...)
			continue
		}
		for _, other := range made.byDecl[w] {
			if !made.targets(other, server) {
				continue
			}
			for _, r := range made.res[server][other] {
				parts = append(parts, r.ID())
				for _, k := range core.SortedKeys(r.Attrs) {
					if r.Attrs[k] == core.Unknown {
						return core.Unknown
					}
					parts = append(parts, k+"="+r.Attrs[k])
				}
			}
		}
	}
	return blocks.Hash(parts...)
}

func addSysctl(s map[string]string, set *blocks.Set, after []string) {
	id := set.Add("sysctl", s["key"], map[string]string{"key": s["key"], "value": s["value"]}, after...)
	if s["persist"] != "true" {
		return
	}
	path := "/etc/sysctl.d/90-drover-" + s["key"] + ".conf"
	set.Add("file", path, map[string]string{"path": path, "content": s["key"] + " = " + s["value"] + "\n", "mode": "0644"}, id)
}

// render renders a template for one server with its facts.
func render(c *lang.Cluster, it *lang.Item, server string, f *core.Facts) (string, error) {
	if f == nil {
		return core.Unknown, nil
	}
	facts, err := TemplateFacts(f)
	if err != nil {
		return "", err
	}
	data := lang.TemplateData(c, server, it.Vars, facts)
	out, err := lang.RenderTemplate(it.Source, it.Settings["text"], data)
	if err != nil {
		return "", fmt.Errorf("%s on server %s: %w", it.Address(), server, err)
	}
	return out, nil
}

// TemplateFacts is a host's facts as templates see them (.facts): the
// JSON form of host.Facts, every key of lang.TemplateFactKeys present.
func TemplateFacts(f *core.Facts) (map[string]any, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	for _, k := range lang.TemplateFactKeys {
		if _, ok := out[k]; !ok {
			out[k] = emptyFact(k)
		}
	}
	return out, nil
}

func emptyFact(key string) any {
	switch key {
	case "interfaces", "link_kinds":
		return []any{}
	case "commands":
		return map[string]any{}
	}
	return ""
}

// orderTargetOf is the registered block (an attachment) a depends_on or
// watch entry names ("attachment.NAME"), or nil.
func orderTargetOf(c *lang.Cluster, decl string) lang.OrderTarget {
	for _, d := range c.Decls {
		if t, ok := d.(lang.OrderTarget); ok && t.DeclName() == decl {
			return t
		}
	}
	return nil
}

// orderTargetID is the resource of t as a dependency of something on
// server: on t's server (an attachment's namespace).
func orderTargetID(t lang.OrderTarget, server string) string {
	on, id := t.OrderResource()
	if on != server {
		return on + ":" + id
	}
	return id
}

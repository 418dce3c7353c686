package files

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// userKind makes sure a local user account exists, read from /etc/passwd
// and /etc/group (no process is spawned to read it) and changed with
// useradd/usermod.
//
// Name: the user name. Attributes:
//   - name: the user name (default: the resource name)
//   - uid: numeric id (optional; compared when set)
//   - group: primary group name (optional; compared when set)
//   - groups: supplementary groups, comma-separated (optional; compared
//     as a sorted set when set)
//   - home: home directory (default "/home/NAME")
//   - shell: login shell (default "/bin/sh")
//   - system: "true" creates a system account (useradd -r). Not compared.
//   - create_home: "true" (default) creates home at creation. Not
//     compared.
//
// Saved: "created" ("true" when drover made the account; Delete removes
// only those, with the home directory drover created).
type userKind struct {
	passwd, group string // the files read (default /etc/passwd, /etc/group)
}

func (userKind) ReplaceOn() []string { return []string{"name"} }

func (userKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "name", r.Name)
	host.SetDefault(r.Attrs, "home", "/home/"+r.Attrs["name"])
	host.SetDefault(r.Attrs, "shell", "/bin/sh")
	host.SetDefault(r.Attrs, "create_home", "true")
	if g := r.Attrs["groups"]; g != "" {
		r.Attrs["groups"] = sortedList(g)
	}
	return r
}

func (k userKind) files() (string, string) {
	passwd, group := k.passwd, k.group
	if passwd == "" {
		passwd = "/etc/passwd"
	}
	if group == "" {
		group = "/etc/group"
	}
	return passwd, group
}

func (k userKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	passwdFile, groupFile := k.files()
	name := r.Attrs["name"]
	pw, found, err := findEntry(passwdFile, name)
	if err != nil || !found || len(pw) < 7 {
		return nil, false, err
	}
	groups, err := readGroupFile(groupFile)
	if err != nil {
		return nil, false, err
	}
	actual := map[string]string{"name": name, "uid": pw[2], "home": pw[5], "shell": pw[6], "group": pw[3]}
	var member []string
	for _, g := range groups {
		if g.gid == pw[3] {
			actual["group"] = g.name
		}
		if slices.Contains(g.members, name) {
			member = append(member, g.name)
		}
	}
	sort.Strings(member)
	actual["groups"] = strings.Join(member, ",")
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func (k userKind) Apply(r core.Resource, actualExists bool, saved map[string]string) (map[string]string, error) {
	name := r.Attrs["name"]
	var args []string
	add := func(flag, key string) {
		if v := r.Attrs[key]; v != "" {
			args = append(args, flag, v)
		}
	}
	add("-u", "uid")
	add("-g", "group")
	add("-G", "groups")
	add("-d", "home")
	add("-s", "shell")
	out := host.CopyAttrs(saved)
	program := "usermod"
	if !actualExists {
		program = "useradd"
		if r.Attrs["system"] == "true" {
			args = append(args, "-r")
		}
		if r.Attrs["create_home"] == "true" {
			args = append(args, "-m")
			if _, err := os.Stat(r.Attrs["home"]); errors.Is(err, os.ErrNotExist) {
				out["created_home"] = "true"
			}
		} else {
			args = append(args, "-M")
		}
		out["created"] = "true"
	}
	if _, err := host.RunCommand("", program, append(args, name)...); err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	return out, nil
}

func (k userKind) Delete(r core.Resource, saved map[string]string) error {
	if saved["created"] != "true" {
		return nil
	}
	name := r.Attrs["name"]
	if name == "" {
		name = r.Name
	}
	passwdFile, _ := k.files()
	if _, found, err := findEntry(passwdFile, name); err != nil || !found {
		return err
	}
	args := []string{name}
	if saved["created_home"] == "true" {
		args = []string{"-r", name}
	}
	if _, err := host.RunCommand("", "userdel", args...); err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}
	return nil
}

// groupKind makes sure a local group exists (groupadd/groupmod), read
// from /etc/group.
//
// Name: the group name. Attributes:
//   - name: the group name (default: the resource name)
//   - gid: numeric id (optional; compared when set)
//   - system: "true" creates a system group (groupadd -r). Not compared.
//
// Saved: "created" ("true" when drover made the group; Delete removes
// only those).
type groupKind struct {
	group string // the file read (default /etc/group)
}

func (groupKind) ReplaceOn() []string { return []string{"name"} }

func (groupKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "name", r.Name)
	return r
}

func (k groupKind) file() string {
	if k.group == "" {
		return "/etc/group"
	}
	return k.group
}

func (k groupKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	gr, found, err := findEntry(k.file(), r.Attrs["name"])
	if err != nil || !found || len(gr) < 3 {
		return nil, false, err
	}
	return host.KeepKeys(map[string]string{"name": gr[0], "gid": gr[2]}, r.Attrs), true, nil
}

func (k groupKind) Apply(r core.Resource, actualExists bool, saved map[string]string) (map[string]string, error) {
	name := r.Attrs["name"]
	var args []string
	if gid := r.Attrs["gid"]; gid != "" {
		args = append(args, "-g", gid)
	}
	out := host.CopyAttrs(saved)
	program := "groupmod"
	if !actualExists {
		program = "groupadd"
		if r.Attrs["system"] == "true" {
			args = append(args, "-r")
		}
		out["created"] = "true"
	}
	if _, err := host.RunCommand("", program, append(args, name)...); err != nil {
		return nil, fmt.Errorf("group %s: %w", name, err)
	}
	return out, nil
}

func (k groupKind) Delete(r core.Resource, saved map[string]string) error {
	if saved["created"] != "true" {
		return nil
	}
	name := r.Attrs["name"]
	if name == "" {
		name = r.Name
	}
	if _, found, err := findEntry(k.file(), name); err != nil || !found {
		return err
	}
	if _, err := host.RunCommand("", "groupdel", name); err != nil {
		return fmt.Errorf("group %s: %w", name, err)
	}
	return nil
}

// findEntry returns the colon-separated fields of the line of a
// passwd-style file whose first field is name.
func findEntry(path, name string) ([]string, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if fields[0] == name {
			return fields, true, nil
		}
	}
	return nil, false, sc.Err()
}

type groupEntry struct {
	name, gid string
	members   []string
}

func readGroupFile(path string) ([]groupEntry, error) {
	data, err := host.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []groupEntry
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 {
			continue
		}
		g := groupEntry{name: f[0], gid: f[2]}
		if f[3] != "" {
			g.members = strings.Split(f[3], ",")
		}
		out = append(out, g)
	}
	return out, nil
}

// sortedList normalises a comma-separated list: trimmed, sorted, no
// empty items.
func sortedList(s string) string {
	var items []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	sort.Strings(items)
	return strings.Join(items, ",")
}

// Snapshot records, before a change, what Delete needs to undo it
// (host.Snapshotter).
func (k userKind) Snapshot(r core.Resource, _ map[string]string) map[string]string {
	passwdFile, _ := k.files()
	if _, found, err := findEntry(passwdFile, r.Attrs["name"]); err != nil || found {
		return nil
	}
	out := map[string]string{"created": "true"}
	if home := r.Attrs["home"]; r.Attrs["create_home"] == "true" && home != "" {
		if _, err := os.Stat(filepath.Clean(home)); os.IsNotExist(err) {
			out["created_home"] = "true"
		}
	}
	return out
}

// Snapshot records, before a change, what Delete needs to undo it
// (host.Snapshotter).
func (k groupKind) Snapshot(r core.Resource, _ map[string]string) map[string]string {
	if _, found, err := findEntry(k.file(), r.Attrs["name"]); err != nil || found {
		return nil
	}
	return map[string]string{"created": "true"}
}

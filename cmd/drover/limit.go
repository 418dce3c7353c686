package main

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/drover/drover/lang"
)

// selectServers resolves a -limit in Ansible's pattern language to the
// names of declared servers, in declaration order. Items are separated by
// commas (or colons):
//
//	s1          a server's name
//	s*, web-?   a glob over names (path.Match)
//	role=web    servers whose label role matches (the value may be a glob)
//	!s3         take these away (any of the forms above)
//	&role=web   keep only servers also matching this
//	@FILE       the items of FILE, one or more a line; # starts a comment
//
// With no positive item every server is a candidate. A name no server
// has, or a positive glob or label that matches none, is an error.
func selectServers(c *lang.Cluster, spec string) ([]string, error) {
	items, err := limitItems(spec)
	if err != nil {
		return nil, err
	}
	var plus, minus, and [][]string
	for _, it := range items {
		list := &plus
		switch {
		case strings.HasPrefix(it, "!"):
			list, it = &minus, it[1:]
		case strings.HasPrefix(it, "&"):
			list, it = &and, it[1:]
		}
		names, err := matchServers(c, it, list != &minus)
		if err != nil {
			return nil, err
		}
		*list = append(*list, names)
	}
	var out []string
	for _, s := range c.Servers {
		if limitKeeps(s.Name, plus, minus, and) {
			out = append(out, s.Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--limit %q leaves no server", spec)
	}
	return out, nil
}

func limitKeeps(name string, plus, minus, and [][]string) bool {
	in := func(sets [][]string) bool {
		return slices.ContainsFunc(sets, func(s []string) bool { return slices.Contains(s, name) })
	}
	if len(plus) > 0 && !in(plus) || in(minus) {
		return false
	}
	for _, s := range and {
		if !slices.Contains(s, name) {
			return false
		}
	}
	return true
}

// limitItems splits a -limit into items, reading @FILE items.
func limitItems(spec string) ([]string, error) {
	var items []string
	for _, it := range splitLimit(spec) {
		file, ok := strings.CutPrefix(it, "@")
		if !ok {
			items = append(items, it)
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--limit @%s: %w", file, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			for _, sub := range splitLimit(line) {
				if strings.HasPrefix(sub, "@") {
					return nil, fmt.Errorf("--limit @%s: %q: a limit file cannot name another file", file, sub)
				}
				items = append(items, sub)
			}
		}
	}
	return items, nil
}

func splitLimit(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ':' || r == ' ' || r == '\t' || r == '\r' }) {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// matchServers returns the servers one item names. must: a name or
// pattern matching nothing is an error (for exclusions only a name is).
func matchServers(c *lang.Cluster, item string, must bool) ([]string, error) {
	var names []string
	if key, val, ok := strings.Cut(item, "="); ok {
		if _, err := path.Match(val, ""); err != nil || key == "" {
			return nil, fmt.Errorf("--limit %q: write a label as KEY=VALUE (the value may be a glob)", item)
		}
		for _, s := range c.Servers {
			if v, has := s.Labels[key]; has {
				if m, _ := path.Match(val, v); m {
					names = append(names, s.Name)
				}
			}
		}
		if len(names) == 0 && must {
			return nil, fmt.Errorf("--limit %q matches no server's labels", item)
		}
		return names, nil
	}
	if !strings.ContainsAny(item, "*?[") {
		if c.Server(item) == nil {
			return nil, unknownServer(c, item)
		}
		return []string{item}, nil
	}
	if _, err := path.Match(item, ""); err != nil {
		return nil, fmt.Errorf("--limit %q: not a valid glob: %v", item, err)
	}
	for _, s := range c.Servers {
		if m, _ := path.Match(item, s.Name); m {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 && must {
		return nil, fmt.Errorf("--limit %q matches no server", item)
	}
	return names, nil
}

func unknownServer(c *lang.Cluster, name string) error {
	var all []string
	for _, s := range c.Servers {
		all = append(all, s.Name)
	}
	// s9 is not a typo of s1: numbered servers differ in their numbers.
	if s := suggestCommand(name, all); s != "" && strings.TrimRight(s, "0123456789") != strings.TrimRight(name, "0123456789") {
		return fmt.Errorf("--limit: no server %q is declared; did you mean %q?", name, s)
	}
	return fmt.Errorf("--limit: no server %q is declared", name)
}

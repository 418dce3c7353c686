package lang

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
)

// Templates are Go text/template files rendered for each server with this
// data (all maps, so that a wrong name is an error, not an empty string):
//
//	.vars     the declaration's vars
//	.server   this server: name, address, labels
//	.servers  every server, in declaration order: name, address, labels
//	.facts    this server's facts: hostname, arch, kernel, distribution,
//	          init, default_iface, interfaces (name, mtu, up, addrs),
//	          link_kinds, commands
//
// Functions: join (list, separator), upper, lower, trim, replace (s, old,
// new), quote, plus text/template's own.

// TemplateFactKeys are the keys of .facts; modules builds the map from a
// host's facts, and the two must agree.
var TemplateFactKeys = []string{"arch", "commands", "default_iface", "distribution", "hostname", "init", "interfaces", "kernel", "link_kinds"}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"join": func(list []any, sep string) string {
			parts := make([]string, len(list))
			for i, v := range list {
				parts[i] = fmt.Sprint(v)
			}
			return strings.Join(parts, sep)
		},
		"upper":   strings.ToUpper,
		"lower":   strings.ToLower,
		"trim":    strings.TrimSpace,
		"replace": func(s, old, new string) string { return strings.ReplaceAll(s, old, new) },
		"quote":   strconv.Quote,
	}
}

func parseTemplate(path, text string) (*template.Template, error) {
	return template.New(path).Option("missingkey=error").Funcs(templateFuncs()).Parse(text)
}

// CheckTemplate parses a template; the error names the file and line.
func CheckTemplate(path, text string) error {
	_, err := parseTemplate(path, text)
	return err
}

// RenderTemplate renders a template file's text with data; errors name
// the template file, line and column.
func RenderTemplate(path, text string, data map[string]any) (string, error) {
	t, err := parseTemplate(path, text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

var templatePos = regexp.MustCompile(`^template: (.*?):(\d+)(?::(\d+))?: `)

// TemplateErrorPos extracts the file, line and column (0 when unknown)
// from a text/template error.
func TemplateErrorPos(err error) (file string, line, col int) {
	m := templatePos.FindStringSubmatch(err.Error())
	if m == nil {
		return "", 0, 0
	}
	line, _ = strconv.Atoi(m[2])
	col, _ = strconv.Atoi(m[3])
	return m[1], line, col
}

// TemplateData is the data a template sees when rendered for server.
func TemplateData(c *Cluster, server string, vars map[string]any, facts map[string]any) map[string]any {
	var servers []any
	var this map[string]any
	for _, s := range c.Servers {
		m := serverData(s)
		servers = append(servers, m)
		if s.Name == server {
			this = m
		}
	}
	if vars == nil {
		vars = map[string]any{}
	}
	return map[string]any{"vars": vars, "server": this, "servers": servers, "facts": facts}
}

func serverData(s *Server) map[string]any {
	labels := map[string]any{}
	for k, v := range s.Labels {
		labels[k] = v
	}
	return map[string]any{"name": s.Name, "address": s.Address, "labels": labels}
}

// PlaceholderFacts stand in for a server's facts when templates are
// checked before any host is reached.
func PlaceholderFacts(s *Server) map[string]any {
	addr := []any{}
	name := ""
	if s != nil {
		name = s.Name
		if s.Address != "" {
			addr = append(addr, s.Address+"/24")
		}
	}
	return map[string]any{
		"hostname": name, "arch": "amd64", "kernel": "", "distribution": "", "init": "none",
		"default_iface": "eth0", "link_kinds": []any{}, "commands": map[string]any{},
		"interfaces": []any{map[string]any{"name": "eth0", "mtu": float64(1500), "up": true, "addrs": addr}},
	}
}

// Package templates holds the text/template files of the daemon configs
// drover renders (dnsmasq, bird, haproxy, nginx, keepalived, databases,
// nftables), embedded in the binary. Rendering is pure: modules call Render
// with data and get the file's content.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sync"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

// parsed holds every template, each file parsed once on first use (a
// 1,000-server plan renders thousands of configs) and never changed after.
var parsed = sync.OnceValues(func() (map[string]*template.Template, error) {
	names, err := fs.Glob(files, "*.tmpl")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template, len(names))
	for _, name := range names {
		t, err := template.New(name).Option("missingkey=error").Funcs(funcs).ParseFS(files, name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
})

// Render executes the named template (e.g. "dnsmasq.conf.tmpl") with data.
func Render(name string, data any) (string, error) {
	all, err := parsed()
	if err != nil {
		return "", err
	}
	t, ok := all[name]
	if !ok {
		return "", fmt.Errorf("template %s: no such template", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	return buf.String(), nil
}

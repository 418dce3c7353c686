// Package templates holds the text/template files of the daemon configs
// drover renders (dnsmasq, and later bird, haproxy, nginx, keepalived, ...),
// embedded in the binary. Rendering is pure: modules call Render with data
// and get the file's content.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

// Render executes the named template (e.g. "dnsmasq.conf.tmpl") with data.
func Render(name string, data any) (string, error) {
	t, err := template.New(name).Option("missingkey=error").ParseFS(files, name)
	if err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	return buf.String(), nil
}

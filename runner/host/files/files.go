// Package files holds the host kinds of the files area: files, rendered
// templates, lines in files, directories, symlinks, users and groups, and
// TLS certificates.
package files

import "github.com/drover/drover/runner/host"

// Kinds returns the file kinds.
func Kinds(host.Env) host.Kinds {
	return host.Kinds{
		"file":      fileKind{},
		"rendered":  renderedKind{}, // rendered.go
		"line":      lineKind{},
		"directory": directoryKind{},
		"symlink":   symlinkKind{},
		"user":      userKind{},
		"group":     groupKind{},
		"tls":       tlsKind{},
	}
}

// Package host is the engine of drover's instruction set: the Kind
// interface and registry, plan and diff, the manifest and its journal,
// revert, secrets, the lock, outputs, leftovers and facts, plus the small
// primitives the kinds share (attribute helpers, commands, root-owned
// files). The kinds themselves live by area in the packages below it
// (network, files, services, apps), the checks in checks, and package
// kinds assembles them for the helper. host and those packages are the
// only code that touches the kernel; the controller speaks the vocabulary
// of package core.
package host

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/drover/drover/core"
)

// Kind is the behaviour of one resource kind on a host. Implementations live
// one per file in the area packages (network/link.go, files/file.go, ...),
// each documenting its attribute keys.
type Kind interface {
	// Read returns the actual state of r: the keys of r.Attrs that can be
	// read back (a key left out is not readable and never diffs), and
	// whether the resource exists at all. saved is what Apply returned the
	// last time (nil when drover never applied r).
	Read(r core.Resource, saved map[string]string) (actual map[string]string, exists bool, err error)
	// Apply creates r (actualExists false) or updates it in place, and
	// returns data to keep in the manifest for Read and Delete (a
	// sysctl's previous value, a file's hash). saved is the data kept
	// from the previous Apply, nil the first time.
	Apply(r core.Resource, actualExists bool, saved map[string]string) (map[string]string, error)
	// Delete removes r, as recorded in the manifest, with its saved data.
	// Deleting something already gone is not an error.
	Delete(r core.Resource, saved map[string]string) error
	// ReplaceOn names the attributes that cannot change in place.
	ReplaceOn() []string
}

// Defaulter is implemented by kinds whose attributes have defaults: the
// plan diffs against the resource with its defaults filled in.
type Defaulter interface {
	Defaults(r core.Resource) core.Resource
}

// Env is where the helper keeps its files and how the host runs services.
// Tests point the directories at temporary ones.
type Env struct {
	// RunDir holds pidfiles of services started by the pidfile backend
	// (default /run/drover).
	RunDir string
	// LogDir holds the stdout/stderr logs of those services (default
	// /var/log/drover).
	LogDir string
	// UnitDir is where systemd units are written (default
	// /etc/systemd/system).
	UnitDir string
	// Systemd selects the systemd service backend.
	Systemd bool
	// Systemctl is the systemctl program (default "systemctl").
	Systemctl string
}

// DefaultEnv is the environment of a real host: systemd when
// /run/systemd/system exists.
func DefaultEnv() Env {
	return Env{
		RunDir:    "/run/drover",
		LogDir:    "/var/log/drover",
		UnitDir:   "/etc/systemd/system",
		Systemd:   isDir("/run/systemd/system"),
		Systemctl: "systemctl",
	}
}

// Kinds is the set of resource kinds a helper knows, by name. The area
// packages (network, files, services, apps) each return theirs and package
// kinds assembles them; the engine knows no concrete kind.
type Kinds map[string]Kind

// Lookup returns the kind of r, or an error naming r.
func (ks Kinds) Lookup(r core.Resource) (Kind, error) {
	k, ok := ks[r.Kind]
	if !ok {
		return nil, fmt.Errorf("%s: unknown resource kind %q (known: %v)", r.ID(), r.Kind, ks.names())
	}
	return k, nil
}

func (ks Kinds) names() []string {
	var names []string
	for n := range ks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WithDefaults returns r with its kind's defaults filled in (r itself when
// the kind has none). Attrs is copied, never shared.
func WithDefaults(k Kind, r core.Resource) core.Resource {
	r.Attrs = CopyAttrs(r.Attrs)
	if d, ok := k.(Defaulter); ok {
		return d.Defaults(r)
	}
	return r
}

func isDir(path string) bool {
	fi, err := os.Stat(filepath.Clean(path))
	return err == nil && fi.IsDir()
}

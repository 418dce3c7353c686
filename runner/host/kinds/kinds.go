// Package kinds assembles the helper's instruction set: every host kind of
// the area packages (network, files, services, apps) in one host.Kinds, and
// every check of package checks. The helper (runner/helper,
// cmd/drover-helper) uses it; the engine (package host) knows no concrete
// kind or check.
package kinds

import (
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/apps"
	"github.com/drover/drover/runner/host/checks"
	"github.com/drover/drover/runner/host/files"
	"github.com/drover/drover/runner/host/network"
	"github.com/drover/drover/runner/host/services"
)

// New returns every kind, configured for env. Two areas naming the same
// kind is a programming error and panics.
func New(env host.Env) host.Kinds {
	all := host.Kinds{}
	for _, area := range []func(host.Env) host.Kinds{network.Kinds, files.Kinds, services.Kinds, apps.Kinds} {
		for name, k := range area(env) {
			if _, dup := all[name]; dup {
				panic("kinds: two areas define kind " + name)
			}
			all[name] = k
		}
	}
	return all
}

// Checks returns every check kind, by name.
func Checks() host.Checks {
	return checks.All()
}

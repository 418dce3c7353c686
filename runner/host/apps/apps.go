// Package apps holds the host kinds of applications: packages, containers
// (LXC, podman: one driver per runtime), databases' data directories and their SQL users and grants.
package apps

import "github.com/drover/drover/runner/host"

// Kinds returns the application kinds.
func Kinds(host.Env) host.Kinds {
	return host.Kinds{
		"package":   packageKind{},
		"dbdata":    dbdataKind{},
		"sql":       sqlKind{},
		"container": newContainerRuntimes(),
	}
}

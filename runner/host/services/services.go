// Package services holds the host kinds that run things: drover's services
// (with their systemd and pidfile backends), the system's own services
// (sysservice) and one-off commands (exec).
package services

import "github.com/drover/drover/runner/host"

// Kinds returns the service kinds, configured for env.
func Kinds(env host.Env) host.Kinds {
	return host.Kinds{
		"service":    newServiceKind(env),
		"sysservice": newSysserviceKind(env),
		"exec":       execKind{},
	}
}

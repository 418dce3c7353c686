// Package checks holds the checks the helper runs after an apply to prove
// that what it made works (a ping, a link up, a service running, BGP
// sessions established, a WireGuard handshake, an HTTP answer, a DHCP
// lease, ...). All assembles them by name, the way the area packages
// return their kinds; a check that asks a kind about what it made finds
// the kind in host.Kinds and uses a narrow interface declared here, so this
// package imports no area package.
package checks

import (
	"sync"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/probe"
)

// All returns every check kind, by name. The helper runs a host's checks
// concurrently (host.RunChecks); the checks that start something shared
// with their kind (a throwaway namespace and DHCP client, a container's
// probe, a database or consul client) run one at a time among themselves.
func All() host.Checks {
	one := &sync.Mutex{}
	return host.Checks{
		"ping":      pingAccounted, // check_ping.go, wireguard_account.go
		"service":   checkService,
		"link":      attrsOnly(checkLink),
		"addr":      attrsOnly(checkAddr),
		"bgp":       attrsOnly(checkBGP), // check_overlay.go
		"wireguard": checkWireGuard,
		"http":      attrsOnly(probe.HTTP),
		"tcp":       attrsOnly(checkTCP), // container_check.go
		"container": serial(one, withKinds(checkContainer)),
		"consul":    serial(one, attrsOnly(checkConsul)), // consul_check.go
		"dhcp":      serial(one, withKinds(checkDHCP)),   // check_dhcp.go
		"lease":     serial(one, withKinds(checkLease)),
		"sqllogin":  serial(one, attrsOnly(checkSQLLogin)), // check_sql.go
		"stp":       withKinds(checkSTP),                   // check_stp.go
		"quiet":     attrsOnly(checkQuiet),
	}
}

// serial makes a check hold mu while it runs.
func serial(mu *sync.Mutex, f host.Checker) host.Checker {
	return func(kinds host.Kinds, m *host.Manifest, c core.Check) (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return f(kinds, m, c)
	}
}

// attrsOnly adapts a check that needs only its attributes.
func attrsOnly(f func(attrs map[string]string) (bool, string)) host.Checker {
	return func(_ host.Kinds, _ *host.Manifest, c core.Check) (bool, string) { return f(c.Attrs) }
}

// withKinds adapts a check that asks a kind, by its attributes.
func withKinds(f func(kinds host.Kinds, attrs map[string]string) (bool, string)) host.Checker {
	return func(kinds host.Kinds, _ *host.Manifest, c core.Check) (bool, string) { return f(kinds, c.Attrs) }
}

// serviceChecker is the service kind's check of one of drover's services
// (services.serviceKind).
type serviceChecker interface {
	CheckService(m *host.Manifest, name string) (bool, string)
}

// checkService proves that the service named by attribute name runs.
func checkService(kinds host.Kinds, m *host.Manifest, c core.Check) (bool, string) {
	k, ok := kinds["service"].(serviceChecker)
	if !ok {
		return false, "no service kind"
	}
	return k.CheckService(m, c.Attrs["name"])
}

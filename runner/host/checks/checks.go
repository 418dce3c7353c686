// Package checks holds the checks the helper runs after an apply to prove
// that what it made works (a ping, a link up, a service running, BGP
// sessions established, a WireGuard handshake, an HTTP answer, a DHCP
// lease, ...). All assembles them by name, the way the area packages
// return their kinds; a check that asks a kind about what it made finds
// the kind in host.Kinds and uses a narrow interface declared here, so this
// package imports no area package.
package checks

import (
	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/probe"
)

// All returns every check kind, by name.
func All() host.Checks {
	return host.Checks{
		"ping":      attrsOnly(checkPing),
		"service":   checkService,
		"link":      attrsOnly(checkLink),
		"addr":      attrsOnly(checkAddr),
		"bgp":       attrsOnly(checkBGP), // check_overlay.go
		"wireguard": checkWireGuard,
		"http":      attrsOnly(probe.HTTP),
		"tcp":       attrsOnly(checkTCP), // container_check.go
		"container": withKinds(checkContainer),
		"consul":    attrsOnly(checkConsul), // consul_check.go
		"dhcp":      withKinds(checkDHCP),   // check_dhcp.go
		"lease":     withKinds(checkLease),
		"sqllogin":  attrsOnly(checkSQLLogin), // check_sql.go
		"stp":       withKinds(checkSTP),      // check_stp.go
		"quiet":     attrsOnly(checkQuiet),
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

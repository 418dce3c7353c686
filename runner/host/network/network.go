// Package network holds the host kinds of the network area: links (and
// tunnels), addresses, routes, FDB entries, neighbour entries, bridge ports, network
// namespaces, sysctls, nftables tables and WireGuard interfaces and peers.
package network

import "github.com/drover/drover/runner/host"

// Kinds returns the network kinds, configured for env.
func Kinds(env host.Env) host.Kinds {
	return host.Kinds{
		"link":       linkKind{},
		"addr":       addrKind{},
		"route":      routeKind{},
		"fdb":        fdbKind{},
		"neigh":      neighKind{},      // neigh.go
		"bridgeport": bridgeportKind{}, // bridgeport.go
		"netns":      newNetnsKind(env),
		"sysctl":     sysctlKind{procDir: "/proc/sys", labMarker: LabMarker},
		"nft":        nftKind{},
		"wireguard":  newWireguardKind(env),
		"wgpeer":     wgpeerKind{},
	}
}

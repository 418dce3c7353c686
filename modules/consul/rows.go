package consul

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
)

// DiscoveryRow is one instance of one declared service in `drover show
// discovery` (the seed's
// `services`): where it runs, at which address, and whether it passes its
// check now, asked from the server it runs on.
type DiscoveryRow struct {
	Service  string `json:"service"`
	Instance string `json:"instance"`
	Owner    string `json:"owner"`
	Server   string `json:"server"`
	Address  string `json:"address,omitempty"` // "" = DHCP lease not known yet
	Port     int    `json:"port"`
	Check    string `json:"check"`
	Consul   bool   `json:"consul"` // Consul is declared
	// Registered is what the instance's server's Consul agent says:
	// "registered" (its DNS answers the instance's address), "not
	// registered", or "no agent" ("" without Consul).
	Registered string `json:"registered,omitempty"`
	Health     string `json:"health"`           // passing, critical, unchecked, unknown, unreachable
	Detail     string `json:"detail,omitempty"` // why not passing
}

// DiscoveryRows are every service of containers, jobs and consul_service
// blocks with its instances, each joined with its health asked now from
// the server it runs on, and with what that server's Consul agent knows.
func DiscoveryRows(ctx context.Context, c *lang.Cluster, facts map[string]*core.Facts, query core.Query) ([]DiscoveryRow, error) {
	rows, err := discoveryRows(c, facts)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		discoveryHealth(ctx, &rows[i], query)
		agentSays(ctx, &rows[i], query)
	}
	return rows, nil
}

func discoveryRows(c *lang.Cluster, facts map[string]*core.Facts) ([]DiscoveryRow, error) {
	byName, names, err := Services(c, facts)
	if err != nil {
		return nil, err
	}
	var rows []DiscoveryRow
	for _, name := range names {
		for _, in := range byName[name] {
			for _, svc := range in.Services {
				if svc.Name != name {
					continue
				}
				check := svc.Check
				if check == "" {
					check = container.CheckTCP
				}
				rows = append(rows, DiscoveryRow{Service: name, Instance: in.Name, Owner: in.Owner, Server: in.Server,
					Address: in.Address, Port: svc.Port, Check: checkLabel(check, svc.Path), Consul: On(c)})
			}
		}
	}
	return rows, nil
}

func checkLabel(kind, path string) string {
	if kind == container.CheckHTTP {
		return "http " + path
	}
	return kind
}

// discoveryHealth runs the service's check from the server the instance
// runs on.
func discoveryHealth(ctx context.Context, r *DiscoveryRow, query core.Query) {
	target := r.Address + ":" + strconv.Itoa(r.Port)
	var check core.Check
	switch {
	case r.Address == "":
		r.Health, r.Detail = "unknown", "no address yet (DHCP)"
		return
	case r.Check == container.CheckNone:
		r.Health = "unchecked"
		return
	case r.Check == container.CheckTCP:
		check = core.Check{Kind: "tcp", Attrs: map[string]string{"addr": target, "timeout_ms": "1000"}}
	default:
		check = core.Check{Kind: "http", Attrs: map[string]string{"url": "http://" + target + r.Check[len("http "):], "timeout_ms": "1000"}}
	}
	results, err := query(ctx, r.Server, []core.Check{check})
	switch {
	case err != nil || len(results) == 0:
		r.Health, r.Detail = "unreachable", fmt.Sprint(err)
	case results[0].OK:
		r.Health = "passing"
	default:
		r.Health, r.Detail = "critical", results[0].Detail
	}
}

// agentSays asks the Consul agent on the instance's server (its DNS) whether
// it knows the instance, rather than assuming the registration worked.
func agentSays(ctx context.Context, r *DiscoveryRow, query core.Query) {
	if !r.Consul {
		return
	}
	if r.Address == "" {
		r.Registered = "unknown"
		return
	}
	results, err := query(ctx, r.Server, []core.Check{{Kind: "consul", Title: "show discovery",
		Attrs: map[string]string{"service": r.Service, "address": r.Address,
			"dns": "127.0.0.1:" + strconv.Itoa(DNSPort)}}})
	switch {
	case err != nil || len(results) == 0:
		r.Registered = "unknown"
	case results[0].OK:
		r.Registered = "registered"
	case strings.HasPrefix(results[0].Detail, "no agent"):
		r.Registered = "no agent"
	default:
		r.Registered = "not registered"
	}
}

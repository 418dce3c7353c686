package generic

import (
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/zclconf/go-cty/cty"
)

// serviceType is `service "NAME"`: a daemon drover runs (command set) or
// a service the system has, started or stopped; it restarts or reloads
// when what it watches (or what notifies it) changes.
func serviceType() Type {
	return Type{
		Kind: lang.ItemKind{
			Type: "service",
			Attrs: []lang.Attr{nameAttr("unit-name"),
				{Name: "command", Type: cty.String, Example: `"python3 -m http.server 8080"`, Grammar: "words"},
				{Name: "state", Type: cty.String, Default: cty.StringVal("started"), Example: `"started"`, Grammar: "keyword"},
				{Name: "enabled", Type: cty.Bool, Example: "true"},
				{Name: "reload", Type: cty.String, Default: cty.StringVal("restart"), Example: `"reload"`, Grammar: "keyword"},
				{Name: "pidfile", Type: cty.String, Example: `"/run/nginx.pid"`, Grammar: "pid-path"}},
			Restartable: true,
			Identity:    nameIdentity("service"),
			Check:       checkService,
		},
		Expand: func(t *Target) error {
			addService(t)
			return nil
		},
	}
}

func checkService(c *lang.ItemCheck) {
	c.OneOf("state", "started", "stopped")
	c.OneOf("reload", "restart", "reload")
	if c.Setting("command") != "" && c.Setting("state") == "stopped" {
		c.Fail("state", "Invalid state", "A service with a command is a daemon drover runs, so it is always started. Remove the service to stop it, or drop command to manage a service the system already has.")
	}
}

// addService adds a daemon drover runs (command set) or drives a service
// the system has, with a restart_key hashed from what it watches.
func addService(t *Target) {
	s, it, server := t.Settings(), t.Item, t.Server
	key := watchKey(t.Cluster, it, server, t.made)
	if s["command"] != "" {
		reload := "restart"
		if s["reload"] == "reload" {
			reload = "SIGHUP"
		}
		attrs := map[string]string{"command": s["command"], "reload": reload, "restart_key": key}
		if s["pidfile"] != "" {
			attrs["pidfile"] = s["pidfile"]
		}
		t.Add("service", s["name"], attrs)
		t.Check("service", fmt.Sprintf("%s runs on %s", it.Address(), server), map[string]string{"name": s["name"]})
		return
	}
	attrs := pick(s, "name", "state", "enabled", "reload", "pidfile")
	attrs["restart_key"] = key
	t.Add("sysservice", s["name"], attrs)
}

// watchKey hashes the resources, on this server, of the declarations a
// service watches; host.Unknown while any of them is not known.
func watchKey(c *lang.Cluster, it *lang.Item, server string, made built) string {
	if len(it.Watch) == 0 {
		return ""
	}
	var parts []string
	for _, w := range it.Watch {
		if t := orderTargetOf(c, w); t != nil {
			// A replaced attachment (new address, network) is a new
			// namespace: what runs in it starts again.
			parts = append(append(parts, orderTargetID(t, server)), t.WatchParts()...)
			continue
		}
		for _, other := range made.byDecl[w] {
			if !made.targets(other, server) {
				continue
			}
			for _, r := range made.of(server, other) {
				parts = append(parts, r.ID())
				for _, k := range core.SortedKeys(r.Attrs) {
					if r.Attrs[k] == core.Unknown {
						return core.Unknown
					}
					parts = append(parts, k+"="+r.Attrs[k])
				}
			}
		}
	}
	return blocks.Hash(parts...)
}

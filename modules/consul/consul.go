// Package consul expands Consul service discovery (the seed's addep,
// addservice, addcheck, pubservice, pubcheck) into host resources:
//
//   - every server of the consul block gets consul itself (copied from
//     the declared source, or the declared package, or already there at
//     the declared binary path) and a client agent (service "consul",
//     config dir ConfigDir) that joins the endpoints (retry_join), with
//     its DNS on 127.0.0.1:8600, where drover's dnsmasq forwards the
//     .consul domain (lang.Cluster.DNSForwards);
//   - each endpoint gets a Consul server agent (service
//     "consul-server-NAME") on its server, bound to its static address,
//     which is added to the network's bridge as a /32;
//   - services of containers and job instances, and ad hoc services and
//     checks, are registered with the agent of the server they run on:
//     one JSON service definition file per instance in ConfigDir, and the
//     agent is reloaded (SIGHUP, what `consul reload` does) when the files
//     change. An instance that goes away loses its file, so the reload
//     deregisters it; one that stops fails its check and drops out of DNS
//     answers. DHCP instances' addresses are filled in from the lease
//     their container reports (host kind "rendered").
//
// Every file is checked with `consul validate` before it replaces the old
// one, and a post-condition runs `consul members` until the agent sees
// itself and the endpoints alive.
package consul

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/discovery"
)

// Paths on the servers.
const (
	ConfigDir = "/etc/drover/consul.d"
	DataDir   = "/var/lib/drover/consul"
	// AgentConfig is the client agent's own configuration.
	AgentConfig = ConfigDir + "/agent.json"
	// AgentService is the client agent's service name.
	AgentService = "consul"
)

// Owner is the declaration name of what the consul block wants.
const Owner = "consul"

// ServerService is the service name of endpoint e's server agent.
func ServerService(e *Endpoint) string { return "consul-server-" + e.Name }

// ServerConfigDir is the configuration folder of endpoint e's server agent.
func ServerConfigDir(e *Endpoint) string { return "/etc/drover/consul-server-" + e.Name }

// Expand returns, per server name, what Consul wants there: nothing when
// Consul is not declared.
func Expand(c *lang.Cluster, facts map[string]*core.Facts) (map[string][]*blocks.Set, error) {
	out := map[string][]*blocks.Set{}
	if !On(c) {
		return out, nil
	}
	if err := haveBinary(c, facts); err != nil {
		return nil, err
	}
	instances, err := discovery.Instances(c, facts)
	if err != nil {
		return nil, err
	}
	for _, e := range Endpoints(c) {
		set, err := endpointSet(c, e)
		if err != nil {
			return nil, err
		}
		out[e.Server] = append(out[e.Server], set)
	}
	for _, name := range Of(c).Servers {
		s := c.Server(name)
		if s == nil {
			return nil, fmt.Errorf("consul: unknown server %q", name)
		}
		set, err := agentSet(c, s, instances)
		if err != nil {
			return nil, err
		}
		out[name] = append(out[name], set)
	}
	return out, nil
}

// haveBinary reports, at plan time, a server that would run consul but
// has none (facts known, neither source nor package declared): without it
// every config check and the agent would fail after the rest is applied.
func haveBinary(c *lang.Cluster, facts map[string]*core.Facts) error {
	k := Of(c)
	if k.Package != "" || k.Source != "" {
		return nil
	}
	var names []string
	names = append(names, k.Servers...)
	for _, e := range Endpoints(c) {
		names = append(names, e.Server)
	}
	slices.Sort(names)
	for _, name := range slices.Compact(names) {
		f := facts[name]
		if f == nil || f.Commands == nil || f.Commands["consul"] != "" {
			continue
		}
		r := k.DeclRange
		return fmt.Errorf("%s:%d:%d: consul: server %s has no consul program (not at binary = %q, nor in PATH, /usr/sbin, /sbin, /usr/local/sbin, /usr/local/bin). Install it there, or declare source = \"FILE\" (drover copies it to binary) or package = \"consul\"",
			r.Filename, r.Start.Line, r.Start.Column, name, k.Binary)
	}
	return nil
}

// install adds consul itself and returns the resource IDs that provide it.
func install(set *blocks.Set, k *Decl) []string {
	switch {
	case k.Package != "":
		return []string{set.Add("package", k.Package, map[string]string{"name": k.Package})}
	case k.Source != "":
		return []string{set.Add("file", k.Binary, map[string]string{"path": k.Binary, "content": k.SourceContent, "mode": "0755"})}
	}
	return nil
}

// validate is the file kind's check for a Consul config file: consul
// validate with the given other files, whatever the temporary file's name.
func validate(k *Decl, with ...string) string {
	return strings.Join(append([]string{k.Binary, "validate", "-quiet", "-config-format=json"}, append(with, "{}")...), " ")
}

// AgentConfigFor is the client agent configuration of server s.
func AgentConfigFor(c *lang.Cluster, s *lang.Server) map[string]any {
	var join []string
	for _, e := range Endpoints(c) {
		join = append(join, e.Address)
	}
	return map[string]any{
		"datacenter":         Of(c).Datacenter,
		"node_name":          s.Name,
		"data_dir":           DataDir,
		"server":             false,
		"bind_addr":          bindAddress(c, s),
		"client_addr":        "127.0.0.1",
		"ports":              map[string]int{"dns": DNSPort},
		"retry_join":         join,
		"retry_interval":     "5s",
		"leave_on_terminate": true,
		"log_level":          "INFO",
	}
}

// bindAddress is where a client agent talks to the cluster: the server's
// address on the endpoints' network when it is a member, else its own
// address.
func bindAddress(c *lang.Cluster, s *lang.Server) string {
	network := Endpoints(c)[0].Network
	if n := c.NetworkNamed(network); n != nil && staticAddresses(n) {
		for _, m := range n.Members() {
			if m.Server == s.Name && m.Address != "" {
				return m.Address
			}
		}
	}
	return s.Address
}

// ServerConfigFor is endpoint e's server agent configuration.
func ServerConfigFor(c *lang.Cluster, e *Endpoint) map[string]any {
	var join []string
	for _, o := range Endpoints(c) {
		if o.Name != e.Name {
			join = append(join, o.Address)
		}
	}
	conf := map[string]any{
		"datacenter":       Of(c).Datacenter,
		"node_name":        e.Name,
		"data_dir":         DataDir + "-server-" + e.Name,
		"server":           true,
		"bootstrap_expect": len(Endpoints(c)),
		"bind_addr":        e.Address,
		"client_addr":      e.Address,
		"ports":            map[string]int{"dns": DNSPort},
		"retry_interval":   "5s",
		"log_level":        "INFO",
	}
	if len(join) > 0 {
		conf["retry_join"] = join
	}
	return conf
}

func endpointSet(c *lang.Cluster, e *Endpoint) (*blocks.Set, error) {
	set := &blocks.Set{Owner: "endpoint." + e.Name}
	s := c.Server(e.Server)
	bridge, _, ok := c.ContainerBridge(e.Network, s)
	if s == nil || !ok {
		return nil, fmt.Errorf("endpoint %s: network %q has no bridge on server %q", e.Name, e.Network, e.Server)
	}
	cidr := e.Address + "/32"
	addr := set.Add("addr", bridge+"/"+cidr, map[string]string{"dev": bridge, "cidr": cidr}, "link/"+bridge)
	deps := append(install(set, Of(c)), addr)
	dir := ServerConfigDir(e)
	deps = append(deps, set.Add("directory", dir, map[string]string{"path": dir}))
	data := ServerConfigFor(c, e)["data_dir"].(string)
	deps = append(deps, set.Add("directory", data, map[string]string{"path": data, "mode": "0700"}))
	content, err := render(ServerConfigFor(c, e))
	if err != nil {
		return nil, err
	}
	file := dir + "/server.json"
	deps = append(deps, set.Add("file", file, map[string]string{
		"path": file, "content": content, "mode": "0644", "check": validate(Of(c)),
	}, deps...))
	name := ServerService(e)
	set.Add("service", name, map[string]string{
		"command":     Of(c).Binary + " agent -config-dir " + dir,
		"restart_key": blocks.Hash(content),
	}, deps...)
	set.Check("service", "Consul server "+e.Name+" runs on "+e.Server, map[string]string{"name": name})
	set.Check("consul", fmt.Sprintf("Consul server %s at %s sees the %d endpoint(s)", e.Name, e.Address, len(Endpoints(c))),
		map[string]string{"binary": Of(c).Binary, "http_addr": e.Address + ":8500", "members": endpointAddrs(c), "retry_ms": "20000"})
	return set, nil
}

func endpointAddrs(c *lang.Cluster) string {
	var out []string
	for _, e := range Endpoints(c) {
		out = append(out, e.Address)
	}
	return strings.Join(out, " ")
}

func agentSet(c *lang.Cluster, s *lang.Server, instances []discovery.Instance) (*blocks.Set, error) {
	set := &blocks.Set{Owner: Owner}
	deps := install(set, Of(c))
	deps = append(deps, set.Add("directory", ConfigDir, map[string]string{"path": ConfigDir}))
	deps = append(deps, set.Add("directory", DataDir, map[string]string{"path": DataDir, "mode": "0700"}))
	conf, err := render(AgentConfigFor(c, s))
	if err != nil {
		return nil, err
	}
	agent := set.Add("file", AgentConfig, map[string]string{
		"path": AgentConfig, "content": conf, "mode": "0644", "check": validate(Of(c)),
	}, deps...)
	deps = append(deps, agent)
	regs, keys, err := registrations(c, s, instances, set, agent)
	if err != nil {
		return nil, err
	}
	deps = append(deps, regs...)
	set.Add("service", AgentService, map[string]string{
		// The agent's own config hash in its command line: a change of
		// it restarts the agent, a change of registrations reloads it.
		"command":     Of(c).Binary + " agent -config-dir " + ConfigDir + " -node-meta drover_config:" + blocks.Hash(conf),
		"reload":      "SIGHUP",
		"restart_key": blocks.Hash(keys...),
	}, deps...)
	set.Check("service", "Consul agent runs on "+s.Name, map[string]string{"name": AgentService})
	set.Check("consul", fmt.Sprintf("Consul agent on %s joined the endpoints", s.Name),
		map[string]string{"binary": Of(c).Binary, "members": bindAddress(c, s) + " " + endpointAddrs(c), "retry_ms": "20000"})
	return set, nil
}

func render(v any) (string, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", err
	}
	return string(data) + "\n", nil
}

// registrations adds the service and check definition files of server s
// and returns their IDs and what the agent's reload key hashes.
func registrations(c *lang.Cluster, s *lang.Server, instances []discovery.Instance, set *blocks.Set, agent string) ([]string, []string, error) {
	var ids, keys []string
	check := validate(Of(c), AgentConfig)
	for _, in := range instances {
		if in.Server != s.Name {
			continue
		}
		r := instanceFile(in, check, agent)
		set.Resources = append(set.Resources, r)
		ids = append(ids, r.ID())
		// A lease is known only after the first apply: the key names
		// where it comes from, so that it stays the same.
		key := in.Address
		if in.DHCP {
			key = in.AddressRef()
		}
		keys = append(keys, r.Attrs["template"], key)
	}
	for _, svc := range AdHocServices(c) {
		if svc.Server != s.Name {
			continue
		}
		content, err := render(map[string]any{"service": serviceDef(svc.Name, svc.Name, svc.Address, svc.Port, svc.Check, svc.Path)})
		if err != nil {
			return nil, nil, err
		}
		p := ConfigDir + "/service-" + svc.Name + ".json"
		ids = append(ids, set.Add("file", p, map[string]string{"path": p, "content": content, "mode": "0644", "check": check}, agent))
		keys = append(keys, content)
	}
	for _, k := range AdHocChecks(c) {
		if k.Server != s.Name {
			continue
		}
		def := map[string]any{"id": k.Name, "name": k.Name, k.Kind: k.Target, "interval": k.Interval, "timeout": "2s"}
		if k.Service != "" {
			def["service_id"] = k.Service
		}
		content, err := render(map[string]any{"check": def})
		if err != nil {
			return nil, nil, err
		}
		p := ConfigDir + "/check-" + k.Name + ".json"
		ids = append(ids, set.Add("file", p, map[string]string{"path": p, "content": content, "mode": "0644", "check": check}, agent))
		keys = append(keys, content)
	}
	return ids, keys, nil
}

// instanceFile is the service definition file of one instance: a
// rendered file whose ${address} is the static address or the lease.
func instanceFile(in discovery.Instance, check, agent string) core.Resource {
	var defs []map[string]any
	for _, svc := range in.Services {
		defs = append(defs, serviceDef(in.Name+"-"+svc.Name, svc.Name, "${address}", svc.Port, svc.Check, svc.Path))
	}
	tmpl, _ := render(map[string]any{"services": defs})
	p := ConfigDir + "/instance-" + in.Name + ".json"
	r := core.Resource{Kind: "rendered", Name: p, Owners: []string{in.Owner},
		Attrs: map[string]string{"path": p, "mode": "0644", "check": check, "template": tmpl, "var.address": in.Address},
		After: []string{agent}}
	if in.Address == "" {
		r.Attrs["var.address"] = core.Unknown
		r.Refs = map[string]string{"var.address": in.AddressRef()}
		r.After = append(r.After, in.ResourceID())
	}
	return r
}

// serviceDef is one Consul service definition with its check.
func serviceDef(id, name, address string, port int, check, path string) map[string]any {
	def := map[string]any{"id": id, "name": name, "address": address, "port": port}
	target := fmt.Sprintf("%s:%d", address, port)
	switch check {
	case container.CheckTCP, "":
		def["check"] = map[string]any{"tcp": target, "interval": "5s", "timeout": "2s"}
	case container.CheckHTTP:
		if path == "" {
			path = "/"
		}
		def["check"] = map[string]any{"http": "http://" + target + path, "interval": "5s", "timeout": "2s"}
	}
	return def
}

// Services lists the declared service names with the instances that offer
// them ("NAME" -> instances), for `drover show services`.
func Services(c *lang.Cluster, facts map[string]*core.Facts) (map[string][]discovery.Instance, []string, error) {
	instances, err := discovery.Instances(c, facts)
	if err != nil {
		return nil, nil, err
	}
	out := map[string][]discovery.Instance{}
	for _, in := range instances {
		for _, svc := range in.Services {
			out[svc.Name] = append(out[svc.Name], in)
		}
	}
	for _, svc := range AdHocServices(c) {
		out[svc.Name] = append(out[svc.Name], discovery.Instance{Owner: "consul_service." + svc.Name, Server: svc.Server,
			Name: svc.Name, Address: svc.Address, Services: []container.Service{{Name: svc.Name, Port: svc.Port, Check: svc.Check, Path: svc.Path}}})
	}
	return out, slices.Sorted(maps.Keys(out)), nil
}

// staticAddresses tells whether n's members' addresses sit on its bridge
// (lang.StaticAddressNetwork), where an agent can bind.
func staticAddresses(n *lang.Network) bool {
	s, ok := n.Spec.(lang.StaticAddressNetwork)
	return ok && s.StaticMemberAddresses()
}

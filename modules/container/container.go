// Package container expands `container` declarations into host resources:
// on each of the container's servers a `container` resource run by its
// runtime (LXC by default, podman or docker: Runtimes; the host side is
// runner/host/apps/container.go with one driver per runtime) with its
// interfaces on drover's bridges, the packages the runtime needs, and a
// post-condition that it runs and passes its health check. Instance builds the same resource for job instances
// (modules/job), so that a base container and its job instances are made
// alike.
package container

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
)

// Owner is the declaration name resources of k belong to.
func Owner(k *Decl) string { return "container." + k.Name }

// NamePlaceholder in a file's content is replaced by the container's name.
const NamePlaceholder = "{{name}}"

// Interface is one interface of a container to build: a network (a
// declared one or lang.SubnetNetwork) and a static address ("" = DHCP
// under LXC, the server's slice under an image runtime: Slice).
type Interface struct {
	Network string
	Address string
	Gateway string
}

// Instance is one container to run on one server.
type Instance struct {
	Name       string
	Base       *Decl
	Server     *lang.Server
	Interfaces []Interface
	Services   []Service
	// Job and Index name the job instance it is, "" and 0 for a plain
	// container.
	Job   string
	Index int
	// Runtime overrides the base container's runtime ("" = the base's;
	// a job's runtime).
	Runtime string
	// HealthTimeout and Interval steer replacement (0 = the kind's
	// defaults).
	HealthTimeout time.Duration
	Interval      time.Duration
}

// Version is the base container's version: the declared one, else a hash
// of its definition.
func Version(k *Decl) string {
	if k.Version != "" {
		return k.Version
	}
	parts := []string{k.Template, k.Rootfs, k.Command, k.Memory}
	if RuntimeOf(k.Runtime) != RuntimeLXC { // LXC versions stay as they were
		parts = append(parts, "runtime", k.Runtime, k.Image, k.Archive)
	}
	for _, p := range sortedKeys(k.Files) {
		parts = append(parts, p, k.Files[p])
	}
	return blocks.Hash(parts...)[:8]
}

// Expand returns, per server name, what container k wants there.
func Expand(k *Decl, c *lang.Cluster) (map[string]*blocks.Set, error) {
	out := map[string]*blocks.Set{}
	var ifaces []Interface
	for _, i := range k.Interfaces {
		ifaces = append(ifaces, Interface{Network: i.Network, Address: i.Address, Gateway: i.Gateway})
	}
	for _, name := range k.Servers {
		s := c.Server(name)
		if s == nil {
			return nil, fmt.Errorf("container %s: unknown server %q", k.Name, name)
		}
		set := &blocks.Set{Owner: Owner(k)}
		in := Instance{Name: k.Name, Base: k, Server: s, Interfaces: ifaces, Services: k.Services}
		if err := Add(set, c, in); err != nil {
			return nil, err
		}
		out[name] = set
	}
	return out, nil
}

// Add adds instance in's container resource (after the packages its
// runtime needs and the bridges it attaches to) and its post-condition to set, and
// returns its resource ID.
func Add(set *blocks.Set, c *lang.Cluster, in Instance, after ...string) error {
	attrs, bridges, err := Attrs(c, in)
	if err != nil {
		return err
	}
	deps := Packages(set, in.Base, in.RuntimeName())
	for _, br := range bridges {
		deps = append(deps, "link/"+br)
	}
	set.Add("container", in.Name, attrs, append(deps, after...)...)
	check := map[string]string{"name": in.Name, "check": attrs["check"], "retry_ms": "5000"}
	if rt := attrs["runtime"]; rt != "" {
		check["runtime"] = rt
	}
	set.Check("container", fmt.Sprintf("container %s runs on %s (version %s)", in.Name, in.Server.Name, attrs["version"]), check)
	return nil
}

// RuntimeName is the runtime in runs under: its own, else its base's.
func (in Instance) RuntimeName() string {
	if in.Runtime != "" {
		return in.Runtime
	}
	return RuntimeOf(in.Base.Runtime)
}

// Packages adds the packages the runtime and the container's template
// need and returns their IDs.
func Packages(set *blocks.Set, k *Decl, runtime string) []string {
	names := slices.Clone(Runtimes()[runtime].Packages)
	if runtime == RuntimeLXC && k.Template != "" {
		names = append(names, "lxc-templates")
	}
	if runtime == RuntimeLXC && k.Template == "busybox" {
		names = append(names, "busybox-static")
	}
	var ids []string
	for _, n := range names {
		ids = append(ids, set.Add("package", n, map[string]string{"name": n}))
	}
	return ids
}

// Attrs are the container resource's attributes for in, and the bridges
// its interfaces attach to.
func Attrs(c *lang.Cluster, in Instance) (map[string]string, []string, error) {
	k := in.Base
	attrs := map[string]string{
		"version": Version(k), "command": k.Command, "memory": k.Memory,
	}
	if rt := in.RuntimeName(); rt != RuntimeLXC {
		attrs["runtime"], attrs["image"] = rt, k.Image
		if k.Rootfs != "" {
			attrs["rootfs"] = k.Rootfs
		}
		if k.Archive != "" {
			attrs["archive"] = k.Archive
		}
	} else if k.Rootfs != "" {
		attrs["rootfs"] = k.Rootfs
	} else {
		attrs["template"] = k.Template
	}
	for path, content := range k.Files {
		attrs["file:"+path] = strings.ReplaceAll(content, NamePlaceholder, in.Name)
	}
	var bridges []string
	for i, iface := range in.Interfaces {
		net, ns, err := netAttr(c, in, iface)
		if err != nil {
			return nil, nil, err
		}
		attrs["net."+strconv.Itoa(i)] = net
		bridges = append(bridges, strings.Fields(net)[0])
		if i == 0 && ns != "" && strings.Fields(net)[1] != "dhcp" {
			attrs["nameserver"] = ns
		}
	}
	if check := HealthCheck(in.Services); check != "" {
		attrs["check"] = check
	}
	if in.Job != "" {
		attrs["job"], attrs["instance"] = in.Job, strconv.Itoa(in.Index)
	}
	if in.HealthTimeout > 0 {
		attrs["health_timeout"] = in.HealthTimeout.String()
	}
	if in.Interval > 0 {
		attrs["interval"] = in.Interval.String()
	}
	return attrs, bridges, nil
}

// HealthCheck is the container kind's check for the first checked
// service: "http:PORT:PATH" or "tcp:PORT"; "" = running is enough.
func HealthCheck(services []Service) string {
	for _, s := range services {
		switch s.Check {
		case CheckHTTP:
			path := s.Path
			if path == "" {
				path = "/"
			}
			return fmt.Sprintf("http:%d:%s", s.Port, path)
		case CheckTCP, "":
			return fmt.Sprintf("tcp:%d", s.Port)
		}
	}
	return ""
}

// netAttr is the net.N attribute of an interface: "BRIDGE CIDR
// [GATEWAY]" with a static address, "BRIDGE dhcp" for a DHCP lease (LXC),
// or "BRIDGE slice SLICE SUBNET [GATEWAY]" for an image runtime that
// addresses the container itself from the server's SLICE of SUBNET
// (Slice), and the resolver it should use (drover's dnsmasq on that
// network, "" = none).
func netAttr(c *lang.Cluster, in Instance, iface Interface) (string, string, error) {
	bridge, subnet, ok := c.ContainerBridge(iface.Network, in.Server)
	if !ok {
		return "", "", fmt.Errorf("container %s: network %q has no bridge on server %s", in.Name, iface.Network, in.Server.Name)
	}
	if !slices.Contains(c.NetworkServers(iface.Network), in.Server.Name) {
		return "", "", fmt.Errorf("container %s: network %q does not reach server %s", in.Name, iface.Network, in.Server.Name)
	}
	prefix, err := netip.ParsePrefix(subnet)
	if err != nil {
		return "", "", fmt.Errorf("container %s: network %s: %w", in.Name, iface.Network, err)
	}
	ns := resolver(c, iface.Network, in.Server, prefix)
	gw := iface.Gateway
	if gw == "" && iface.Network == lang.SubnetNetwork {
		first, _ := blocks.Host(prefix, 1)
		gw = first.String()
	}
	var net string
	switch {
	case iface.Address != "":
		net = bridge + " " + iface.Address + "/" + strconv.Itoa(prefix.Bits())
	case Runtimes()[in.RuntimeName()].Slices:
		slice, err := Slice(c, iface.Network, in.Server.Name)
		if err != nil {
			return "", "", fmt.Errorf("container %s: %w", in.Name, err)
		}
		net = bridge + " slice " + slice.String() + " " + prefix.Masked().String()
	default:
		return bridge + " dhcp", ns, nil
	}
	if gw != "" {
		net += " " + gw
	}
	return net, ns, nil
}

// resolver is the address of drover's dnsmasq on a container network:
// the server's bridge address on its subnet, the DHCP host's overlay
// address on a vxlan network.
func resolver(c *lang.Cluster, network string, s *lang.Server, prefix netip.Prefix) string {
	if network == lang.SubnetNetwork {
		if !s.DHCP {
			return ""
		}
		first, _ := blocks.Host(prefix, 1)
		return first.String()
	}
	n := c.NetworkNamed(network)
	var members []lang.Member
	host := ""
	if n != nil {
		if d, ok := n.Spec.(lang.DHCPNetwork); ok {
			if server, on := d.DHCPServer(); on {
				members, host = n.Members(), server
			}
		}
	}
	for _, m := range members {
		if m.Server == host {
			return m.Address
		}
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package lang

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

var (
	checkKinds = []string{CheckTCP, CheckHTTP, CheckNone}
	memoryRE   = regexp.MustCompile(`^[1-9][0-9]*[KMG]?$`)
)

// staticAddrs are the static addresses claimed on each container network,
// for collision checks: network name -> address -> where.
type staticAddrs map[string]map[netip.Addr]string

func (s staticAddrs) claim(network string, a netip.Addr, who string) (string, bool) {
	if s[network] == nil {
		s[network] = map[netip.Addr]string{}
	}
	if first, dup := s[network][a]; dup {
		return first, false
	}
	s[network][a] = who
	return "", true
}

// validateContainers checks container and job blocks against the rest of
// the cluster.
func (l *loader) validateContainers(c *Cluster) {
	claimed := staticAddrs{}
	for _, n := range c.Networks {
		if s, ok := n.Spec.(StaticAddressNetwork); !ok || !s.StaticMemberAddresses() {
			continue
		}
		for _, m := range n.Members() {
			if a, err := netip.ParseAddr(m.Address); err == nil {
				claimed.claim(n.Name, a, "server "+m.Server+"'s bridge")
			}
		}
	}
	for i, d := range l.ctr.containers {
		l.validateContainer(d, c.Containers[i], c, claimed)
	}
	l.claimed = claimed
	l.validateBlocks(c, true) // the Late kinds: Consul endpoints

	for i, d := range l.servers {
		if capacity, ok := l.intOf(d.attrs[attrCapacity]); ok && capacity < 0 {
			l.report(d.attrs[attrCapacity], problem{"Invalid capacity", fmt.Sprintf(
				"capacity is how many job instances server %q can hold, 0 for no limit; write for example capacity = 8.", c.Servers[i].Name)})
		}
	}
	l.runFinalChecks(c) // the jobs' placement
}

func (l *loader) validateContainer(d *ctrDecl, k *Container, c *Cluster, claimed staticAddrs) {
	a := d.attrs
	l.checkServerList(a["servers"], nil, "")
	tmpl, _ := l.stringOf(a["template"])
	if tmpl != "" && k.Rootfs != "" {
		l.report(a["rootfs"], problem{"Conflicting container source",
			"A container comes from an LXC template or from a rootfs tarball, not both: remove template, or remove rootfs."})
	}
	if k.Rootfs != "" && !strings.HasPrefix(k.Rootfs, "/") {
		l.report(a["rootfs"], problem{"Invalid rootfs", fmt.Sprintf(
			"rootfs is the absolute path on the server of a rootfs tarball; write for example rootfs = %q.", "/srv/images/"+k.Rootfs)})
	}
	for path := range k.Files {
		if !strings.HasPrefix(path, "/") || strings.Contains(path, "..") {
			l.report(a["files"], problem{"Invalid file path", fmt.Sprintf(
				"Every key of files is an absolute path inside the container without \"..\"; %q is not. Write for example { \"/www/index.html\" = \"hello\" }.", path)})
		}
	}
	if k.Memory != "" && !memoryRE.MatchString(k.Memory) {
		l.report(a["memory"], problem{"Invalid memory limit", fmt.Sprintf(
			"memory is a size in bytes with an optional K, M or G suffix; write for example memory = \"64M\" instead of %q.", k.Memory)})
	}
	seen := map[string]hcl.Range{}
	for i, nd := range d.ifaces {
		iface := k.Interfaces[i]
		if first, dup := seen[iface.Network]; dup {
			l.reportAt(nd.block.LabelRanges[0], problem{"Duplicate interface", fmt.Sprintf(
				"Container %q already has an interface on %q at %s; a container has one interface per network.", k.Name, iface.Network, shortPos(first))})
			continue
		}
		seen[iface.Network] = nd.block.DefRange
		l.validateInterface(nd, iface, k, c, claimed)
	}
	l.validateCtrServices(d.services, k.Services)
}

// checkServerList checks that every element of a servers list is a
// declared server (and, with allowed, one of those).
func (l *loader) checkServerList(n *node, allowed []string, why string) {
	ranges := elementRanges(n)
	seen := map[string]bool{}
	for _, e := range l.stringList(n, ranges, "server name") {
		rng := ranges[e.index]
		switch {
		case l.syms.servers[e.value] == nil:
			l.reportAt(rng, unknownServer(e.value, l.syms.srvOrder))
		case seen[e.value]:
			l.reportAt(rng, problem{"Duplicate server", fmt.Sprintf("Server %q is listed twice; remove one.", e.value)})
		case allowed != nil && !slices.Contains(allowed, e.value):
			l.reportAt(rng, problem{"Server not on the network", fmt.Sprintf(
				"Server %q %s; use one of %s, or add it to the network.", e.value, why, strings.Join(allowed, ", "))})
		}
		seen[e.value] = true
	}
}

func (l *loader) validateInterface(nd *nestedDecl, iface ContainerInterface, k *Container, c *Cluster, claimed staticAddrs) {
	label := nd.block.LabelRanges[0]
	if iface.Network != SubnetNetwork && !l.containerNetwork(label, iface.Network, c) {
		return
	}
	members := c.NetworkServers(iface.Network)
	for _, s := range k.Servers {
		if !slices.Contains(members, s) && l.syms.servers[s] != nil {
			what := fmt.Sprintf("network %q does not reach server %q", iface.Network, s)
			if iface.Network == SubnetNetwork {
				what = fmt.Sprintf("server %q has no container subnet", s)
			}
			l.reportAt(label, problem{"Network not on the server", fmt.Sprintf(
				"Container %q runs on %s, but %s. Add the server to the network (or give it a subnet), or remove it from the container's servers.", k.Name, s, what)})
		}
	}
	if iface.Address == "" {
		return
	}
	addrNode := nd.attrs["address"]
	addr, p := parseAddress(iface.Address)
	if !p.ok() || !addr.Is4() {
		l.report(addrNode, problem{"Invalid address", fmt.Sprintf(
			"address is an IPv4 address without prefix on the network; write for example address = \"100.64.10.20\", or leave it out for DHCP. Got %q.", iface.Address)})
		return
	}
	if len(k.Servers) > 1 {
		l.report(addrNode, problem{"Static address on several servers", fmt.Sprintf(
			"Container %q runs on %d servers, and one static address cannot be on all of them. Leave address out (DHCP), or declare one container per server.", k.Name, len(k.Servers))})
		return
	}
	subnet := ""
	if iface.Network == SubnetNetwork && len(k.Servers) == 1 {
		_, subnet, _ = c.ContainerBridge(SubnetNetwork, c.Server(k.Servers[0]))
	} else if iface.Network != SubnetNetwork {
		_, subnet, _ = c.ContainerBridge(iface.Network, nil)
	}
	network := iface.Network
	if network == SubnetNetwork && len(k.Servers) == 1 {
		network = SubnetNetwork + ":" + k.Servers[0]
	}
	l.checkStatic(addrNode.rng, addrNode.ctxRange, addr, subnet, network, "container "+k.Name, claimed)
	if p, err := netip.ParsePrefix(subnet); err == nil && len(k.Servers) == 1 && c.servesDHCP(iface.Network, k.Servers[0]) && inDHCPPool(p, addr) {
		l.report(addrNode, staticInPool(p, addr, network))
	}
	if iface.Gateway != "" {
		if gw, p := parseAddress(iface.Gateway); !p.ok() || !gw.Is4() {
			l.report(nd.attrs["gateway"], problem{"Invalid gateway", fmt.Sprintf(
				"gateway is an IPv4 address on the network; write for example gateway = \"100.64.10.1\". Got %q.", iface.Gateway)})
		}
	}
}

// containerNetwork reports a network that is not declared or carries no
// containers.
func (l *loader) containerNetwork(rng hcl.Range, name string, c *Cluster) bool {
	n := c.NetworkNamed(name)
	if n == nil {
		names := append([]string{SubnetNetwork}, l.syms.netOrder...)
		detail := fmt.Sprintf("No network named %q is declared.", name)
		if s := suggest(name, names); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		detail += fmt.Sprintf(" Use %q for the server's container subnet, or a declared vxlan or l2vpn network.", SubnetNetwork)
		l.reportAt(rng, problem{"Unknown network", detail})
		return false
	}
	if _, _, ok := c.ContainerBridge(name, nil); !ok {
		l.reportAt(rng, problem{"Network carries no containers", fmt.Sprintf(
			"Network %q is a %s network; containers attach to the bridge of a vxlan or l2vpn network, or to %q (the server's container subnet).", name, n.Kind, SubnetNetwork)})
		return false
	}
	return true
}

// checkStatic checks a static address is inside subnet, not its network,
// bridge (.1) or broadcast address, and not claimed twice.
func (l *loader) checkStatic(rng hcl.Range, ctx *hcl.Range, a netip.Addr, subnet, network, who string, claimed staticAddrs) {
	p, err := netip.ParsePrefix(subnet)
	if err != nil {
		return
	}
	p = p.Masked()
	switch {
	case !p.Contains(a):
		l.errorf(rng, ctx, "Address outside the network", "%s is not in %s, the subnet of %s; pick an address inside it.", a, p, network)
		return
	case a == p.Addr() || a == lastAddr(p):
		l.errorf(rng, ctx, "Reserved address", "%s is the network or broadcast address of %s; pick another.", a, p)
		return
	}
	if first, ok := claimed.claim(network, a, who); !ok {
		l.errorf(rng, ctx, "Duplicate address", "%s on %s is already used by %s; pick another.", a, network, first)
	}
}

func (l *loader) validateCtrServices(decls []*nestedDecl, services []ContainerService) {
	seen := map[string]hcl.Range{}
	for i, nd := range decls {
		s := services[i]
		if first, dup := seen[s.Name]; dup {
			l.reportAt(nd.block.LabelRanges[0], problem{"Duplicate service", fmt.Sprintf(
				"Service %q is already declared at %s; rename one.", s.Name, shortPos(first))})
		}
		seen[s.Name] = nd.block.DefRange
		if !validName(blockServer, s.Name) {
			l.reportAt(nd.block.LabelRanges[0], problem{"Invalid service name", fmt.Sprintf(
				"%q cannot name a DNS record: use letters, digits, '_' and '-', for example service %q.", s.Name, suggestIdentifier(s.Name))})
		}
		l.checkPort(nd.attrs["port"], "80")
		if s.Check != "" && !slices.Contains(checkKinds, s.Check) {
			l.report(nd.attrs["check"], oneOf("check", s.Check, checkKinds))
		}
		if s.Path != "" && !strings.HasPrefix(s.Path, "/") {
			l.report(nd.attrs["path"], problem{"Invalid check path", fmt.Sprintf(
				"path is the HTTP path the check requests and starts with '/'; write for example path = %q.", "/"+s.Path)})
		}
	}
}

func oneOf(attr, got string, known []string) problem {
	detail := fmt.Sprintf("%s is one of %s, not %q.", attr, strings.Join(known, ", "), got)
	if s := suggest(got, known); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	return problem{"Unsupported " + attr, detail}
}

func containerNames(c *Cluster) []string {
	var out []string
	for _, k := range c.Containers {
		out = append(out, k.Name)
	}
	return out
}

package job

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// maxInstances bounds a job's count.
const maxInstances = 100000

// Derived job attributes.
const (
	attrInstanceAddresses = "instance_addresses"
	attrBackends          = "backends"
)

var (
	strategies = []string{StrategySpread, StrategyBinpack}
)

// Decl is one `job "NAME" { ... }` block (the seed's addjob): Count
// instances of the base Container placed by drover over the servers.
type Decl struct {
	Name      string
	Container string
	// Runtime runs the instances: "" = the base container's runtime.
	Runtime string
	Count   int
	// Network the instances attach to: a declared network or
	// lang.SubnetNetwork (the default).
	Network string
	// Addresses is a CIDR range inside the network's subnet: instance i
	// (1-based) gets its i-th address. "" = DHCP under LXC, the server's
	// slice under an image runtime (container.Slice).
	Addresses string
	// Servers are the candidates; empty = every server that can take
	// the network (its members, or servers with a subnet).
	Servers     []string
	Constraints map[string]string // labels a server must carry
	Strategy    string            // StrategySpread (default) or StrategyBinpack
	Replicas    int               // most instances per server, 0 = no limit
	Group       string            // jobs of one group share their servers
	MaxParallel int               // instances replaced at once, default 1
	Interval    time.Duration     // wait after each replaced batch
	// HealthTimeout bounds the wait for a new instance to pass its check
	// before it is rolled back, default 30s.
	HealthTimeout time.Duration
	Services      []container.Service
	DeclRange     hcl.Range
}

// RuntimeOf is the runtime the job's instances of base run under.
func (j *Decl) RuntimeOf(base *container.Decl) string {
	if j.Runtime != "" {
		return j.Runtime
	}
	return container.RuntimeOf(base.Runtime)
}

// DeclName is the job's owner name on hosts: "job.web".
func (j *Decl) DeclName() string { return Owner(j) }

// Jobs are the cluster's jobs, in declaration order.
func Jobs(c *lang.Cluster) []*Decl { return lang.DeclsOf[*Decl](c) }

// Kind is the job block kind: named, referenceable (job.NAME.ATTR with
// the derived instance_addresses and backends), validated after the
// containers whose static addresses its instances may collide with.
func Kind() lang.BlockKind {
	return lang.BlockKind{
		Type: "job", Label: "name", Named: true, NameProblem: nameProblem, Article: "A",
		Late: true, DrawRank: 2, Referenceable: true, Symbols: symbols(), Noun: "job",
		Attrs:    attrs(),
		Blocks:   []lang.NestedBlock{container.ServiceBlock()},
		Assemble: assemble,
		Validate: validate,
	}
}

func attrs() []lang.Attr {
	str := func(name, deflt, example, grammar string) lang.Attr {
		return lang.Attr{Name: name, Type: cty.String, Default: cty.StringVal(deflt), Example: example, Grammar: grammar}
	}
	num := func(name string, deflt int64, example string) lang.Attr {
		return lang.Attr{Name: name, Type: cty.Number, Default: cty.NumberIntVal(deflt), Example: example}
	}
	return []lang.Attr{
		{Name: "container", Type: cty.String, Required: true, Example: `"web"`, Grammar: "ident"},
		str("runtime", "", `"podman"`, "keyword"),
		num("count", 1, "4"),
		str("network", lang.SubnetNetwork, `"vx1"`, "ident"),
		str("addresses", "", `"100.64.10.32/28"`, "cidr"),
		{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2"]`, Grammar: "server-ref"},
		{Name: "constraints", Type: cty.Map(cty.String), Default: cty.MapValEmpty(cty.String), Example: `{ role = "web" }`, Grammar: "label"},
		str("strategy", StrategySpread, `"spread"`, "keyword"),
		num("replicas", 0, "2"),
		str("group", "", `"frontend"`, "ident"),
		num("max_parallel", 1, "1"),
		str("interval", "0s", `"20s"`, "duration"),
		str("health_timeout", "30s", `"30s"`, "duration"),
	}
}

func nameProblem(name string) (string, string) {
	if lang.ValidName(name) {
		return "", ""
	}
	return "Invalid job name", fmt.Sprintf(
		"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters), because they name containers and DNS records. Write for example job %q.",
		name, lang.SuggestIdentifier(name))
}

// symbols are a job's derived attributes: the static address of each
// instance, and backends ("NAME:ADDRESS:PORT" for a load balancer's
// backends, at the port of the job's first service; empty without static
// addresses or a service).
func symbols() []lang.Symbol {
	return []lang.Symbol{
		{Name: attrInstanceAddresses, Type: cty.List(cty.String), Inputs: []string{"count", "addresses"},
			Derive: func(_ string, in lang.SymbolInputs) cty.Value {
				return stringListVal(instanceAddresses(in.Value("count"), in.Value("addresses")))
			}},
		{Name: attrBackends, Type: cty.List(cty.String), Inputs: []string{attrInstanceAddresses, "service.port"},
			Derive: backends},
	}
}

// backends derives backends: unknown until the addresses are known,
// empty without a service of the job's own.
func backends(job string, in lang.SymbolInputs) cty.Value {
	list, ports := in.Value(attrInstanceAddresses), in.Values("service.port")
	switch {
	case !list.IsWhollyKnown():
		return cty.UnknownVal(cty.List(cty.String))
	case len(ports) == 0:
		return cty.ListValEmpty(cty.String)
	}
	return backendList(job, list, ports[0])
}

func backendList(job string, addrs, port cty.Value) cty.Value {
	if !port.IsKnown() || port.IsNull() || addrs.IsNull() {
		return cty.UnknownVal(cty.List(cty.String))
	}
	p, _ := port.AsBigFloat().Int64()
	var out []string
	i := 0
	for it := addrs.ElementIterator(); it.Next(); {
		_, a := it.Element()
		i++
		out = append(out, fmt.Sprintf("%s:%s:%d", InstanceName(job, i), a.AsString(), p))
	}
	return stringListVal(out)
}

// instanceAddresses is the static address of each instance, nil when the
// count or range is not usable (reported by validation).
func instanceAddresses(count, addrs cty.Value) []string {
	if !count.IsKnown() || count.IsNull() || !addrs.IsKnown() || addrs.IsNull() || addrs.AsString() == "" {
		return nil
	}
	n, _ := count.AsBigFloat().Int64()
	out, _ := InstanceAddresses(addrs.AsString(), int(n))
	return out
}

func stringListVal(list []string) cty.Value {
	if len(list) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(list))
	for i, s := range list {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

func assemble(d *lang.BlockDecl) lang.Decl {
	j := &Decl{Name: d.Name(), DeclRange: d.Range()}
	j.Container = d.String("container")
	j.Runtime = d.String("runtime")
	j.Count = d.Int("count")
	j.Network = d.String("network")
	j.Addresses = d.String("addresses")
	j.Servers = d.Strings("servers")
	j.Constraints = d.StringMap("constraints")
	j.Strategy = d.String("strategy")
	j.Replicas = d.Int("replicas")
	j.Group = d.String("group")
	j.MaxParallel = d.Int("max_parallel")
	j.Interval = zeroDuration(d, "interval")
	j.HealthTimeout = d.Duration("health_timeout")
	j.Services = container.AssembleServices(d)
	return j
}

// zeroDuration is a duration setting that may also be "0s".
func zeroDuration(d *lang.BlockDecl, attr string) time.Duration {
	if s, ok := d.StringOK(attr); ok {
		if v, err := time.ParseDuration(s); err == nil && v == 0 {
			return 0
		}
	}
	return d.Duration(attr)
}

func validate(blocks []*lang.BlockDecl, decls []lang.Decl, c *lang.Cluster) {
	for i, d := range blocks {
		validateJob(d, decls[i].(*Decl), c)
	}
}

func validateJob(d *lang.BlockDecl, j *Decl, c *lang.Cluster) {
	base := container.Named(c, j.Container)
	if container.CheckRuntime(d, "runtime", j.Runtime) && base != nil {
		container.CheckBase(d, "runtime", j.RuntimeOf(base), base)
	}
	if j.Container != "" && base == nil {
		detail := fmt.Sprintf("No container named %q is declared.", j.Container)
		if s := lang.Suggest(j.Container, containerNames(c)); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else {
			detail += fmt.Sprintf(" Declare it with container %q { template = \"busybox\" }.", j.Container)
		}
		d.Problem("container", "Unknown container", detail)
	}
	if count, ok := d.IntOK("count"); ok && (count < 0 || count > maxInstances) {
		d.Problem("count", "Invalid count", "count is the number of instances, 0 to 100000; write for example count = 4.")
	}
	if j.Strategy != "" && !slices.Contains(strategies, j.Strategy) {
		d.CheckOneOf("strategy", j.Strategy, strategies)
	}
	if r, ok := d.IntOK("replicas"); ok && r < 0 {
		d.Problem("replicas", "Invalid replicas", "replicas is the most instances of the job on one server, 0 for no limit; write for example replicas = 2.")
	}
	if m, ok := d.IntOK("max_parallel"); ok && m < 1 {
		d.Problem("max_parallel", "Invalid max_parallel", "max_parallel is how many instances are replaced at once, at least 1; write for example max_parallel = 1.")
	}
	container.ValidateServices(d, j.Services)
	netOK := j.Network == lang.SubnetNetwork || d.CheckContainerNetwork("network", j.Network, c)
	if !netOK {
		return
	}
	members := c.NetworkServers(j.Network)
	why := fmt.Sprintf("is not a member of network %q", j.Network)
	if j.Network == lang.SubnetNetwork {
		why = "has no container subnet"
	}
	d.CheckServersIn("servers", members, why)
	validateAddresses(d, j, c)
}

func validateAddresses(d *lang.BlockDecl, j *Decl, c *lang.Cluster) {
	base := container.Named(c, j.Container)
	if j.Addresses == "" && base != nil && j.Count > 0 {
		if container.Runtimes()[j.RuntimeOf(base)].Slices {
			servers := j.Servers
			if len(servers) == 0 {
				servers = c.NetworkServers(j.Network)
			}
			container.CheckSlices(d, "network", c, j.Network, servers)
		}
	}
	if j.Addresses == "" || j.Count < 0 || j.Count > maxInstances {
		return
	}
	if j.Network == lang.SubnetNetwork {
		rt := ""
		if base != nil {
			rt = j.RuntimeOf(base)
		}
		d.Problem("addresses", "Static addresses on the container subnets", fmt.Sprintf(
			"Every server has its own container subnet, so one address range cannot serve job %q there: leave addresses out (%s), or put the job on a vxlan, l2vpn or mesh network with network = %q and addresses in its subnet.",
			j.Name, container.LeftOut(rt), container.ContainerNetworkName(c)))
		return
	}
	if p, ok := lang.ParseCIDR(j.Addresses); !ok || !p.Addr().Is4() {
		d.Problem("addresses", "Invalid address range", fmt.Sprintf(
			"addresses is an IPv4 CIDR range inside the network's subnet; write for example addresses = \"100.64.10.32/28\". Got %q.", j.Addresses))
		return
	}
	addrs, err := InstanceAddresses(j.Addresses, j.Count)
	if err != nil {
		d.Problem("addresses", "Address range too small", fmt.Sprintf("%v: widen the range or lower count.", err))
		return
	}
	_, subnet, _ := c.ContainerBridge(j.Network, nil)
	rp, _ := lang.ParseCIDR(j.Addresses)
	if sp, err := netip.ParsePrefix(subnet); err == nil && !sp.Masked().Contains(rp.Masked().Addr()) {
		rng, _ := container.ExampleRange(c, j.Network)
		d.Problem("addresses", "Address range outside the network", fmt.Sprintf(
			"%s is not inside %s, the subnet of %s: write for example addresses = %q.", j.Addresses, sp.Masked(), j.Network, rng))
		return
	}
	for i, s := range addrs {
		a, _ := netip.ParseAddr(s)
		d.ClaimStatic("addresses", a, subnet, j.Network, "job "+j.Name+" instance "+InstanceName(j.Name, i+1))
	}
}

func containerNames(c *lang.Cluster) []string {
	var out []string
	for _, k := range container.Containers(c) {
		out = append(out, k.Name)
	}
	return out
}

// StaticRanges: the job's addresses range on its network (container.Slice
// leaves it out of every server's slice).
func (j *Decl) StaticRanges(network, _ string) []netip.Prefix {
	p, err := netip.ParsePrefix(j.Addresses)
	if err != nil || network != j.Network {
		return nil
	}
	return []netip.Prefix{p.Masked()}
}

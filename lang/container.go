package lang

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The container and job blocks (model_container.go). Both are named and
// unique per kind; jobs are referenceable: job.NAME.ATTR, with the derived
// attributes instance_addresses and backends.
const (
	blockContainer = "container"
	blockJob       = "job"
	blockInterface = "interface"
	blockService   = "service"
	rootJob        = "job"
)

// maxInstances bounds a job's count.
const maxInstances = 100000

// Derived job attributes.
const (
	attrInstanceAddresses = "instance_addresses"
	attrBackends          = "backends"
)

func containerBlockSchemas() []hcl.BlockHeaderSchema {
	return []hcl.BlockHeaderSchema{
		{Type: blockContainer, LabelNames: []string{"name"}},
		{Type: blockJob, LabelNames: []string{"name"}},
	}
}

func containerSpecs() []attrSpec {
	return inBlock("container", []attrSpec{
		{name: "servers", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["s1"]`},
		{name: "template", typ: cty.String, deflt: str(""), example: `"busybox"`},
		{name: "rootfs", typ: cty.String, deflt: str(""), example: `"/srv/images/web.tar.gz"`},
		{name: "command", typ: cty.String, deflt: str(""), example: `"/bin/busybox httpd -f -p 80 -h /www"`},
		{name: "files", typ: cty.Map(cty.String), deflt: cty.MapValEmpty(cty.String), example: `{ "/www/index.html" = "hello from {{name}}" }`},
		{name: "version", typ: cty.String, deflt: str(""), example: `"2"`},
		{name: "memory", typ: cty.String, deflt: str(""), example: `"64M"`},
	})
}

func interfaceSpecs() []attrSpec {
	return inBlock("container.interface", []attrSpec{
		{name: "address", typ: cty.String, deflt: str(""), example: `"100.65.1.10"`},
		{name: "gateway", typ: cty.String, deflt: str(""), example: `"100.65.1.1"`},
	})
}

func serviceSpecs() []attrSpec {
	return inBlock("container.service", []attrSpec{
		{name: "port", typ: cty.Number, deflt: cty.UnknownVal(cty.Number), example: "80", required: true},
		{name: "check", typ: cty.String, deflt: str(CheckTCP), example: `"http"`},
		{name: "path", typ: cty.String, deflt: str("/"), example: `"/"`},
	})
}

func jobSpecs() []attrSpec {
	return inBlock("job", []attrSpec{
		{name: "container", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"web"`, required: true},
		{name: "count", typ: cty.Number, deflt: num(1), example: "4"},
		{name: "network", typ: cty.String, deflt: str(SubnetNetwork), example: `"vx1"`},
		{name: "addresses", typ: cty.String, deflt: str(""), example: `"100.64.10.32/28"`},
		{name: "servers", typ: cty.List(cty.String), deflt: emptyStrings(), example: `["s1", "s2"]`},
		{name: "constraints", typ: cty.Map(cty.String), deflt: cty.MapValEmpty(cty.String), example: `{ role = "web" }`},
		{name: "strategy", typ: cty.String, deflt: str(StrategySpread), example: `"spread"`},
		{name: "replicas", typ: cty.Number, deflt: num(0), example: "2"},
		{name: "group", typ: cty.String, deflt: str(""), example: `"frontend"`},
		{name: "max_parallel", typ: cty.Number, deflt: num(1), example: "1"},
		{name: "interval", typ: cty.String, deflt: str("0s"), example: `"20s"`},
		{name: "health_timeout", typ: cty.String, deflt: str("30s"), example: `"30s"`},
	})
}

// ctrDecl is one container or job block with its nested blocks.
type ctrDecl struct {
	typ      string
	name     string
	block    *hcl.Block
	attrs    map[string]*node
	ifaces   []*nestedDecl // label: network
	services []*nestedDecl // label: service name
}

// containerDecls are the container and job blocks of a load.
type containerDecls struct {
	containers, jobs []*ctrDecl
}

// collectContainer registers one container or job block.
func (l *loader) collectContainer(b *hcl.Block) {
	name := b.Labels[0]
	list := &l.ctr.containers
	specs, nested := containerSpecs(), []hcl.BlockHeaderSchema{
		{Type: blockInterface, LabelNames: []string{"network"}},
		{Type: blockService, LabelNames: []string{"name"}},
	}
	if b.Type == blockJob {
		list, specs, nested = &l.ctr.jobs, jobSpecs(), nested[1:]
	}
	if !l.checkContainerName(b, name, *list) {
		return
	}
	d := &ctrDecl{typ: b.Type, name: name, block: b}
	content := l.content(b.Body, bodySchema(specs, nested...), fmt.Sprintf("A %s block", b.Type))
	path := []string{b.Type, name}
	d.attrs = l.attrNodes(path, specs, content, b.DefRange)
	for _, nb := range content.Blocks {
		nc := l.content(nb.Body, bodySchema(nestedSpecs(nb.Type)), fmt.Sprintf("A %s block", nb.Type))
		nd := &nestedDecl{label: nb.Labels[0], block: nb}
		nd.attrs = l.attrNodes(append(child(path, nb.Type), nb.Labels[0]), nestedSpecs(nb.Type), nc, nb.DefRange)
		if nb.Type == blockInterface {
			d.ifaces = append(d.ifaces, nd)
		} else {
			d.services = append(d.services, nd)
		}
	}
	*list = append(*list, d)
	if b.Type == blockJob {
		l.registerJob(d)
	}
}

func nestedSpecs(typ string) []attrSpec {
	if typ == blockInterface {
		return interfaceSpecs()
	}
	return serviceSpecs()
}

func (l *loader) checkContainerName(b *hcl.Block, name string, seen []*ctrDecl) bool {
	if !validName(blockServer, name) {
		l.errorf(b.LabelRanges[0], nil, "Invalid "+b.Type+" name",
			"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters), because they name containers and DNS records. Write for example %s %q.",
			name, b.Type, suggestIdentifier(name))
		return false
	}
	for _, d := range seen {
		if d.name == name {
			l.errorf(b.LabelRanges[0], nil, fmt.Sprintf("Duplicate %s %q", b.Type, name),
				"A %s named %q was already declared at %s. Rename this one or remove it.", b.Type, name, shortPos(d.block.DefRange))
			return false
		}
	}
	return true
}

// registerJob makes job.NAME.ATTR referenceable, with the derived
// instance_addresses and backends.
func (l *loader) registerJob(d *ctrDecl) {
	b := symbolBlock{root: rootJob, name: d.name, label: d.block.LabelRanges[0], block: d.block.DefRange,
		nested: map[string][]map[string]*node{}}
	for _, spec := range jobSpecs() {
		b.settings = append(b.settings, d.attrs[spec.name])
	}
	for _, s := range d.services {
		b.nested[blockService] = append(b.nested[blockService], s.attrs)
	}
	l.registerSymbols(b, jobSymbols())
}

// jobSymbols are a job's derived attributes: the static address of each
// instance, and backends ("NAME:ADDRESS:PORT" for a load balancer's
// backends, at the port of the job's first service; empty without static
// addresses or a service).
func jobSymbols() []Symbol {
	return []Symbol{
		{Name: attrInstanceAddresses, Type: cty.List(cty.String), Inputs: []string{"count", "addresses"},
			Derive: func(_ string, in SymbolInputs) cty.Value {
				return stringListVal(jobAddresses(in.Value("count"), in.Value("addresses")))
			}},
		{Name: attrBackends, Type: cty.List(cty.String), Inputs: []string{attrInstanceAddresses, "service.port"},
			Derive: jobBackends},
	}
}

// jobBackends derives backends: unknown until the addresses are known,
// empty without a service of the job's own.
func jobBackends(job string, in SymbolInputs) cty.Value {
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

// jobAddresses is the static address of each instance, nil when the
// count or range is not usable (reported by validation).
func jobAddresses(count, addrs cty.Value) []string {
	if !count.IsKnown() || count.IsNull() || !addrs.IsKnown() || addrs.IsNull() || addrs.AsString() == "" {
		return nil
	}
	n, _ := count.AsBigFloat().Int64()
	out, _ := InstanceAddresses(addrs.AsString(), int(n))
	return out
}

// InstanceAddresses are the static addresses of count instances in the
// CIDR range: the range's 1st, 2nd, ... address (its network address is
// skipped, as are the broadcast address of the range).
func InstanceAddresses(cidr string, count int) ([]string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return nil, fmt.Errorf("%q is not an IPv4 CIDR range", cidr)
	}
	if count < 0 || count > maxInstances {
		return nil, fmt.Errorf("count %d is not 0 to %d", count, maxInstances)
	}
	p = p.Masked()
	size := uint64(1) << uint(32-p.Bits())
	if uint64(count)+1 >= size && !(p.Bits() == 32 && count <= 1) {
		return nil, fmt.Errorf("%s holds %d instance addresses, not %d", cidr, usable(size), count)
	}
	out := make([]string, 0, count)
	a := p.Addr()
	if p.Bits() < 32 {
		a = a.Next()
	}
	for i := 0; i < count; i++ {
		out = append(out, a.String())
		a = a.Next()
	}
	return out, nil
}

func usable(size uint64) uint64 {
	if size <= 2 {
		return size / 2
	}
	return size - 2
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

// ownRefRoots are the reference roots of lang's own referenceable blocks.
var ownRefRoots = []string{rootJob}

// assembleContainers builds the containers and jobs of the model.
func (l *loader) assembleContainers(c *Cluster) {
	for _, d := range l.ctr.containers {
		c.Containers = append(c.Containers, l.assembleContainer(d))
	}
	for _, d := range l.ctr.jobs {
		c.Jobs = append(c.Jobs, l.assembleJob(d))
	}
}

func (l *loader) assembleContainer(d *ctrDecl) *Container {
	a := d.attrs
	k := &Container{Name: d.name, DeclRange: d.block.DefRange}
	k.Servers = listValues(l.plainList(a["servers"]))
	k.Template, _ = l.stringOf(a["template"])
	k.Rootfs, _ = l.stringOf(a["rootfs"])
	if k.Template == "" && k.Rootfs == "" {
		k.Template = "busybox"
	}
	k.Command, _ = l.stringOf(a["command"])
	k.Files = l.labelsOf(a["files"])
	k.Version, _ = l.stringOf(a["version"])
	k.Memory, _ = l.stringOf(a["memory"])
	for _, nd := range d.ifaces {
		i := ContainerInterface{Network: nd.label, DeclRange: nd.block.DefRange}
		i.Address, _ = l.stringOf(nd.attrs["address"])
		i.Gateway, _ = l.stringOf(nd.attrs["gateway"])
		k.Interfaces = append(k.Interfaces, i)
	}
	k.Services = l.assembleCtrServices(d)
	return k
}

func (l *loader) assembleCtrServices(d *ctrDecl) []ContainerService {
	var out []ContainerService
	for _, nd := range d.services {
		s := ContainerService{Name: nd.label, DeclRange: nd.block.DefRange}
		s.Port, _ = l.intOf(nd.attrs["port"])
		s.Check, _ = l.stringOf(nd.attrs["check"])
		s.Path, _ = l.stringOf(nd.attrs["path"])
		out = append(out, s)
	}
	return out
}

func (l *loader) assembleJob(d *ctrDecl) *Job {
	a := d.attrs
	j := &Job{Name: d.name, DeclRange: d.block.DefRange}
	j.Container, _ = l.stringOf(a["container"])
	j.Count, _ = l.intOf(a["count"])
	j.Network, _ = l.stringOf(a["network"])
	j.Addresses, _ = l.stringOf(a["addresses"])
	j.Servers = listValues(l.plainList(a["servers"]))
	j.Constraints = l.labelsOf(a["constraints"])
	j.Strategy, _ = l.stringOf(a["strategy"])
	j.Replicas, _ = l.intOf(a["replicas"])
	j.Group, _ = l.stringOf(a["group"])
	j.MaxParallel, _ = l.intOf(a["max_parallel"])
	j.Interval = l.zeroDurationOf(a["interval"])
	j.HealthTimeout = l.durationOf(a["health_timeout"])
	j.Services = l.assembleCtrServices(d)
	return j
}

// zeroDurationOf is durationOf that also takes "0s".
func (l *loader) zeroDurationOf(n *node) time.Duration {
	if s, ok := l.stringOf(n); ok {
		if d, err := time.ParseDuration(s); err == nil && d == 0 {
			return 0
		}
	}
	return l.durationOf(n)
}

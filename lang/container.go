package lang

import (
	"fmt"
	"net/netip"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The container and job blocks (model_container.go). Both are named and
// unique per kind; jobs are referenceable: job.NAME.ATTR, with the derived
// attributes instance_addresses and backends.
const (
	blockContainer = "container"
	blockInterface = "interface"
	blockService   = "service"
)

// maxInstances bounds a job's count.
const maxInstances = 100000

func containerBlockSchemas() []hcl.BlockHeaderSchema {
	return []hcl.BlockHeaderSchema{
		{Type: blockContainer, LabelNames: []string{"name"}},
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

// ownRefRoots are the reference roots of lang's own referenceable blocks.
var ownRefRoots []string

// assembleContainers builds the containers and jobs of the model.
func (l *loader) assembleContainers(c *Cluster) {
	for _, d := range l.ctr.containers {
		c.Containers = append(c.Containers, l.assembleContainer(d))
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

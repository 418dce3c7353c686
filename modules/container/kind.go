package container

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/drover/drover/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var (
	checkKinds = []string{CheckTCP, CheckHTTP, CheckNone}
	memoryRE   = regexp.MustCompile(`^[1-9][0-9]*[KMG]?$`)
)

// Decl is one `container "NAME" { ... }` block: a base container,
// created from an LXC template or a rootfs tarball, run on Servers itself
// and used by jobs as the image of their instances.
type Decl struct {
	Name    string
	Servers []string // servers that run it; empty = only a base for jobs
	// Runtime runs it: RuntimeLXC (the default), RuntimePodman or
	// RuntimeDocker (Runtimes).
	Runtime string
	// Template is the LXC template (default "busybox" for LXC); "" when
	// Rootfs is set or the runtime runs images.
	Template string
	// Rootfs is the path on the server of a rootfs tarball, "" = none:
	// LXC unpacks it into the container; an image runtime imports it as
	// Image once per server.
	Rootfs string
	// Image is the image reference an image runtime runs ("" for LXC).
	Image string
	// Archive is the path on the server of an image archive (`podman
	// save`, `docker save`) holding Image, loaded once per server; "" =
	// none.
	Archive string
	// Command is the application the container runs as its first
	// process; "" = the image's init.
	Command string
	// Files are written into the rootfs before start, by absolute path;
	// "{{name}}" in a content is replaced by the container's name.
	Files map[string]string
	// Version names the definition; "" = derived from it by the modules.
	// A new version rolls out to the jobs built on the container.
	Version    string
	Memory     string // cgroup memory limit ("64M"), "" = none
	Interfaces []NetInterface
	Services   []Service
	DeclRange  hcl.Range
}

// DeclName is the container's owner name on hosts: "container.web".
func (k *Decl) DeclName() string { return Owner(k) }

// Containers are the cluster's containers, in declaration order.
func Containers(c *lang.Cluster) []*Decl { return lang.DeclsOf[*Decl](c) }

// Named is the container named name, nil when there is none.
func Named(c *lang.Cluster, name string) *Decl {
	for _, k := range Containers(c) {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// Kind is the container block kind: named, with interface and service
// blocks, validated with the static addresses of the networks' members
// (before the jobs, which register after it).
func Kind() lang.BlockKind {
	return lang.BlockKind{
		Type: "container", Label: "name", Named: true, NameProblem: nameProblem, Article: "A",
		Late: true, DrawRank: 2, Noun: "container",
		Attrs: []lang.Attr{
			{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1"]`, Grammar: "server-ref"},
			{Name: "runtime", Type: cty.String, Default: cty.StringVal(RuntimeLXC), Example: `"podman"`, Grammar: "keyword"},
			{Name: "image", Type: cty.String, Default: cty.StringVal(""), Example: `"localhost/web:1"`, Grammar: "image-ref"},
			{Name: "archive", Type: cty.String, Default: cty.StringVal(""), Example: `"/srv/images/web.tar"`, Grammar: "config-path"},
			{Name: "template", Type: cty.String, Default: cty.StringVal(""), Example: `"busybox"`, Grammar: "ident"},
			{Name: "rootfs", Type: cty.String, Default: cty.StringVal(""), Example: `"/srv/images/web.tar.gz"`, Grammar: "config-path"},
			{Name: "command", Type: cty.String, Default: cty.StringVal(""), Example: `"/bin/busybox httpd -f -p 80 -h /www"`, Grammar: "argv"},
			{Name: "files", Type: cty.Map(cty.String), Default: cty.MapValEmpty(cty.String), Example: `{ "/www/index.html" = "hello from {{name}}" }`, Grammar: "files"},
			{Name: "version", Type: cty.String, Default: cty.StringVal(""), Example: `"2"`, Grammar: "version"},
			{Name: "memory", Type: cty.String, Default: cty.StringVal(""), Example: `"64M"`, Grammar: "size"},
		},
		Blocks: []lang.NestedBlock{
			{Type: "interface", Label: "network", Article: "A", Attrs: []lang.Attr{
				{Name: "address", Type: cty.String, Default: cty.StringVal(""), Example: `"100.65.1.10"`, Grammar: "ip"},
				{Name: "gateway", Type: cty.String, Default: cty.StringVal(""), Example: `"100.65.1.1"`, Grammar: "ip"},
			}},
			ServiceBlock(),
		},
		Assemble: assemble,
		Validate: validate,
	}
}

// ServiceBlock is a container's or a job's `service "NAME" { ... }`.
func ServiceBlock() lang.NestedBlock {
	return lang.NestedBlock{Type: "service", Label: "name", Key: "container.service", Attrs: []lang.Attr{
		{Name: "port", Type: cty.Number, Required: true, Example: "80"},
		{Name: "check", Type: cty.String, Default: cty.StringVal(CheckTCP), Example: `"http"`, Grammar: "keyword"},
		{Name: "path", Type: cty.String, Default: cty.StringVal("/"), Example: `"/"`, Grammar: "url-path"},
	}}
}

func nameProblem(name string) (string, string) {
	if lang.ValidName(name) {
		return "", ""
	}
	return "Invalid container name", fmt.Sprintf(
		"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters), because they name containers and DNS records. Write for example container %q.",
		name, lang.SuggestIdentifier(name))
}

func assemble(d *lang.BlockDecl) lang.Decl {
	k := &Decl{Name: d.Name(), DeclRange: d.Range()}
	k.Servers = d.Strings("servers")
	k.Runtime = RuntimeOf(d.String("runtime"))
	k.Template = d.String("template")
	k.Rootfs = d.String("rootfs")
	k.Image = d.String("image")
	k.Archive = d.String("archive")
	if k.Template == "" && k.Rootfs == "" && !Runtimes()[k.Runtime].Images {
		k.Template = "busybox"
	}
	k.Command = d.String("command")
	k.Files = d.StringMap("files")
	k.Version = d.String("version")
	k.Memory = d.String("memory")
	for _, b := range d.Blocks("interface") {
		k.Interfaces = append(k.Interfaces, NetInterface{Network: b.Label(), DeclRange: b.Range(),
			Address: b.String("address"), Gateway: b.String("gateway")})
	}
	k.Services = AssembleServices(d)
	return k
}

// AssembleServices reads the service blocks of a job or container.
func AssembleServices(d *lang.BlockDecl) []Service {
	var out []Service
	for _, b := range d.Blocks("service") {
		s := Service{Name: b.Label(), DeclRange: b.Range()}
		s.Port = b.Int("port")
		s.Check = b.String("check")
		s.Path = b.String("path")
		out = append(out, s)
	}
	return out
}

func validate(blocks []*lang.BlockDecl, decls []lang.Decl, c *lang.Cluster) {
	for i, d := range blocks {
		validateContainer(d, decls[i].(*Decl), c)
	}
}

func validateContainer(d *lang.BlockDecl, k *Decl, c *lang.Cluster) {
	d.CheckServerList("servers")
	validateSource(d, k)
	for path := range k.Files {
		if !strings.HasPrefix(path, "/") || strings.Contains(path, "..") {
			d.Problem("files", "Invalid file path", fmt.Sprintf(
				"Every key of files is an absolute path inside the container without \"..\"; %q is not. Write for example { \"/www/index.html\" = \"hello\" }.", path))
		}
	}
	if k.Memory != "" && !memoryRE.MatchString(k.Memory) {
		d.Problem("memory", "Invalid memory limit", fmt.Sprintf(
			"memory is a size in bytes with an optional K, M or G suffix; write for example memory = \"64M\" instead of %q.", k.Memory))
	}
	seen := map[string]hcl.Range{}
	for i, b := range d.Blocks("interface") {
		iface := k.Interfaces[i]
		if first, dup := seen[iface.Network]; dup {
			b.LabelProblem("Duplicate interface", fmt.Sprintf(
				"Container %q already has an interface on %q at %s; a container has one interface per network.", k.Name, iface.Network, lang.ShortPos(first)))
			continue
		}
		seen[iface.Network] = b.Range()
		validateInterface(b, iface, k, c)
		if iface.Address == "" && Runtimes()[k.Runtime].Slices {
			CheckSlices(b, "", c, iface.Network, k.Servers)
		}
	}
	ValidateServices(d, k.Services)
}

// validateSource checks where the container comes from: an LXC template
// or rootfs, or an image runtime's image and its local source.
func validateSource(d *lang.BlockDecl, k *Decl) {
	if !CheckRuntime(d, "runtime", k.Runtime) {
		return
	}
	for _, attr := range []string{"rootfs", "archive"} {
		if p := d.String(attr); p != "" && !strings.HasPrefix(p, "/") {
			d.Problem(attr, "Invalid "+attr, fmt.Sprintf(
				"%s is the absolute path of a file on the server; write for example %s = %q.", attr, attr, "/srv/images/"+p))
		}
	}
	if !Runtimes()[k.Runtime].Images {
		for _, attr := range []string{"image", "archive"} {
			if d.String(attr) != "" {
				d.Problem(attr, "Not for LXC containers", fmt.Sprintf(
					"%s is for the runtimes that run images (podman, docker); an LXC container comes from template or rootfs: remove %s, or set runtime = \"podman\".", attr, attr))
			}
		}
		if d.String("template") != "" && k.Rootfs != "" {
			d.Problem("rootfs", "Conflicting container source",
				"A container comes from an LXC template or from a rootfs tarball, not both: remove template, or remove rootfs.")
		}
		return
	}
	if d.String("template") != "" {
		d.Problem("template", "Not for "+k.Runtime+" containers", fmt.Sprintf(
			"template is an LXC template; %s.", imageSourceText(k.Runtime)))
	}
	if k.Image == "" {
		d.Problem("runtime", "Image needed", fmt.Sprintf("Container %q: %s.", k.Name, imageSourceText(k.Runtime)))
	}
	if k.Rootfs != "" && k.Archive != "" {
		d.Problem("archive", "Conflicting image source",
			"An image comes from a rootfs tarball (imported) or from an image archive (loaded), not both: remove rootfs, or remove archive.")
	}
}

func validateInterface(b *lang.BlockDecl, iface NetInterface, k *Decl, c *lang.Cluster) {
	if iface.Network != lang.SubnetNetwork && !b.CheckLabelNetwork(c) {
		return
	}
	members := c.NetworkServers(iface.Network)
	for _, s := range k.Servers {
		if !slices.Contains(members, s) && b.IsServer(s) {
			what := fmt.Sprintf("network %q does not reach server %q", iface.Network, s)
			if iface.Network == lang.SubnetNetwork {
				what = fmt.Sprintf("server %q has no container subnet", s)
			}
			b.LabelProblem("Network not on the server", fmt.Sprintf(
				"Container %q runs on %s, but %s. Add the server to the network (or give it a subnet), or remove it from the container's servers.", k.Name, s, what))
		}
	}
	if iface.Address == "" {
		return
	}
	validateStatic(b, iface, k, c)
}

// leftOut says where a container of runtime gets its address when it
// declares none: a DHCP lease, or an address of its server's slice.
func leftOut(runtime string) string {
	if Runtimes()[RuntimeOf(runtime)].Slices {
		return "each server gives it an address of its slice of the network"
	}
	return "DHCP"
}

// LeftOut is leftOut for a job's runtime.
func LeftOut(runtime string) string { return leftOut(runtime) }

// validateStatic checks an interface's static address and gateway.
func validateStatic(b *lang.BlockDecl, iface NetInterface, k *Decl, c *lang.Cluster) {
	addr, ok := lang.ParseIPv4(iface.Address)
	if !ok {
		b.Problem("address", "Invalid address", fmt.Sprintf(
			"address is an IPv4 address without prefix on the network; write for example address = \"100.64.10.20\", or leave it out for DHCP. Got %q.", iface.Address))
		return
	}
	if len(k.Servers) > 1 {
		b.Problem("address", "Static address on several servers", fmt.Sprintf(
			"Container %q runs on %d servers, and one static address cannot be on all of them. Leave address out (%s), or declare one container per server.", k.Name, len(k.Servers), leftOut(k.Runtime)))
		return
	}
	subnet := ""
	if iface.Network == lang.SubnetNetwork && len(k.Servers) == 1 {
		_, subnet, _ = c.ContainerBridge(lang.SubnetNetwork, c.Server(k.Servers[0]))
	} else if iface.Network != lang.SubnetNetwork {
		_, subnet, _ = c.ContainerBridge(iface.Network, nil)
	}
	network := iface.Network
	if network == lang.SubnetNetwork && len(k.Servers) == 1 {
		network = lang.SubnetNetwork + ":" + k.Servers[0]
	}
	b.ClaimStatic("address", addr, subnet, network, "container "+k.Name)
	if p, err := netip.ParsePrefix(subnet); err == nil && len(k.Servers) == 1 {
		b.CheckOutsidePool("address", addr, p, iface.Network, k.Servers[0], network)
	}
	if iface.Gateway != "" {
		if _, ok := lang.ParseIPv4(iface.Gateway); !ok {
			b.Problem("gateway", "Invalid gateway", fmt.Sprintf(
				"gateway is an IPv4 address on the network; write for example gateway = \"100.64.10.1\". Got %q.", iface.Gateway))
		}
	}
}

// ValidateServices checks the service blocks of a job or container.
func ValidateServices(d *lang.BlockDecl, services []Service) {
	seen := map[string]hcl.Range{}
	for i, b := range d.Blocks("service") {
		s := services[i]
		if first, dup := seen[s.Name]; dup {
			b.LabelProblem("Duplicate service", fmt.Sprintf("Service %q is already declared at %s; rename one.", s.Name, lang.ShortPos(first)))
		}
		seen[s.Name] = b.Range()
		if !lang.ValidName(s.Name) {
			b.LabelProblem("Invalid service name", fmt.Sprintf(
				"%q cannot name a DNS record: use letters, digits, '_' and '-', for example service %q.", s.Name, lang.SuggestIdentifier(s.Name)))
		}
		b.CheckPort("port", "80")
		if s.Check != "" && !slices.Contains(checkKinds, s.Check) {
			b.CheckOneOf("check", s.Check, checkKinds)
		}
		if s.Path != "" && !strings.HasPrefix(s.Path, "/") {
			b.Problem("path", "Invalid check path", fmt.Sprintf(
				"path is the HTTP path the check requests and starts with '/'; write for example path = %q.", "/"+s.Path))
		}
	}
}

// Package blocks holds the building blocks several modules share: subnet
// arithmetic, a dnsmasq DHCP/DNS server on a bridge, NAT masquerading for a
// subnet, IP forwarding. Each returns host resources; nothing here touches a
// host.
package blocks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/templates"
)

// Set collects the resources and checks one declaration wants on one host.
type Set struct {
	Owner     string
	Resources []core.Resource
	Checks    []core.Check
	// owners is []string{Owner}, shared by the set's resources (a VXLAN
	// member has thousands) and clipped, so that adding an owner to one
	// copies it.
	owners []string
}

// Add appends a resource owned by the set's owner and returns its ID.
func (s *Set) Add(kind, name string, attrs map[string]string, after ...string) string {
	s.Put(kind, name, attrs, after...)
	return s.Resources[len(s.Resources)-1].ID()
}

// Put is Add without building the resource's ID, for a kind that adds
// thousands of resources and names few of them in After.
func (s *Set) Put(kind, name string, attrs map[string]string, after ...string) {
	if len(s.owners) != 1 || s.owners[0] != s.Owner {
		s.owners = []string{s.Owner}[:1:1]
	}
	s.Resources = append(s.Resources, core.Resource{Kind: kind, Name: name, Attrs: attrs, Owners: s.owners, After: after})
}

// Check appends a post-condition.
func (s *Set) Check(kind, title string, attrs map[string]string) {
	s.Checks = append(s.Checks, core.Check{Kind: kind, Attrs: attrs, Owner: s.Owner, Title: title})
}

// Host returns the n-th address of prefix (cidrhost): n=1 is the first
// usable address of an IPv4 /24.
func Host(prefix netip.Prefix, n uint64) (netip.Addr, error) {
	size := Size(prefix)
	if n >= size {
		return netip.Addr{}, fmt.Errorf("host number %d does not fit in %s", n, prefix)
	}
	b := prefix.Masked().Addr().As4()
	v := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	v += n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
}

// Size is the number of addresses in an IPv4 prefix.
func Size(prefix netip.Prefix) uint64 { return 1 << uint(32-prefix.Bits()) }

// Netmask is the dotted netmask of an IPv4 prefix.
func Netmask(prefix netip.Prefix) string {
	m := ^uint32(0) << uint(32-prefix.Bits())
	return fmt.Sprintf("%d.%d.%d.%d", byte(m>>24), byte(m>>16), byte(m>>8), byte(m))
}

// DHCP describes a dnsmasq instance serving one bridge.
type DHCP struct {
	Owner     string
	Interface string       // bridge name
	Subnet    netip.Prefix // the bridge's subnet
	Address   netip.Addr   // the bridge's own address: DNS server
	Router    string       // default gateway handed out, "" = none
	Domain    string
	Hostname  string // this server's name, published in DNS
	MTU       string // "" = leave to the client
	// Forward are dnsmasq server= values, "/DOMAIN/ADDRESS#PORT": names
	// of DOMAIN are asked there (the .consul domain of a local Consul
	// agent, lang.Cluster.DNSForwards).
	Forward []string
	// Static are addresses the cluster gives out itself on the subnet
	// (members' overlay addresses): those inside the pool are reserved,
	// so that dnsmasq, which runs without its ping check, never leases
	// them.
	Static []netip.Addr
	// Facts of the host, nil when unknown: on systemd hosts Debian's own
	// dnsmasq.service is stopped and disabled (see SystemServiceOff).
	Facts *core.Facts
}

// HostsDir holds hosts files every dnsmasq of drover's serves (hostsdir:
// read again when they change), one per declaration that publishes names
// (modules/discovery). Names without a dot get the instance's domain.
const HostsDir = "/etc/drover/hosts.d"

// Range is the DHCP pool: the upper half of the subnet, without the
// broadcast address, so that the lower half stays free for static addresses.
func (d DHCP) Range() (start, end netip.Addr, err error) {
	size := Size(d.Subnet)
	if size < 8 {
		return start, end, fmt.Errorf("subnet %s is too small for DHCP", d.Subnet)
	}
	if start, err = Host(d.Subnet, size/2); err != nil {
		return start, end, err
	}
	end, err = Host(d.Subnet, size-2)
	return start, end, err
}

// reserved are the static addresses inside the pool start..end, sorted
// and without duplicates.
func (d DHCP) reserved(start, end netip.Addr) []string {
	var in []netip.Addr
	for _, a := range d.Static {
		if a.Compare(start) >= 0 && a.Compare(end) <= 0 && !slices.Contains(in, a) {
			in = append(in, a)
		}
	}
	slices.SortFunc(in, netip.Addr.Compare)
	out := make([]string, len(in))
	for i, a := range in {
		out[i] = a.String()
	}
	return out
}

// AddTo adds the package, config file and service of the dnsmasq instance.
func (d DHCP) AddTo(s *Set, after ...string) error {
	start, end, err := d.Range()
	if err != nil {
		return err
	}
	name := "dnsmasq-" + d.Interface
	path := "/etc/drover/" + name + ".conf"
	pidfile := "/run/drover/" + name + ".pid"
	conf, err := templates.Render("dnsmasq.conf.tmpl", map[string]any{
		"PIDFile": pidfile,
		"Owner":   d.Owner, "Interface": d.Interface, "Subnet": d.Subnet.String(),
		"Domain": d.Domain, "RangeStart": start.String(), "RangeEnd": end.String(),
		"Netmask": Netmask(d.Subnet), "Router": d.Router, "Address": d.Address.String(),
		"MTU": d.MTU, "Hostname": d.Hostname, "HostsDir": HostsDir,
		"Forward": d.Forward, "Reserved": d.reserved(start, end),
	})
	if err != nil {
		return err
	}
	pkg := s.Add("package", "dnsmasq", map[string]string{"name": "dnsmasq"})
	hosts := s.Add("directory", HostsDir, map[string]string{"path": HostsDir})
	file := s.Add("file", path, map[string]string{
		"path": path, "content": conf, "mode": "0644", "check": "dnsmasq --test -C {}",
	}, pkg, hosts)
	deps := append([]string{file}, after...)
	if off := SystemServiceOff(s, "dnsmasq", pkg, d.Facts); off != "" {
		deps = append(deps, off)
	}
	s.Add("service", name, map[string]string{
		"command":     "dnsmasq --keep-in-foreground -C " + path,
		"pidfile":     pidfile,
		"reload":      "restart",
		"restart_key": Hash(conf),
	}, deps...)
	// A real exchange: a throwaway client on the bridge gets a lease.
	s.Check("dhcp", name+" serves DHCP on "+d.Interface, map[string]string{"bridge": d.Interface, "subnet": d.Subnet.String()})
	return nil
}

// SystemServiceOff stops and disables the operating system's own unit of
// a daemon drover runs itself (Debian starts bird.service and
// dnsmasq.service when their packages are installed, and they would take
// the ports and sockets drover's instances need), on hosts whose facts say
// they run systemd. It returns the resource ID drover's service must come
// after, or "" when there is nothing to stop (no systemd, or facts
// unknown).
func SystemServiceOff(s *Set, name, pkg string, f *core.Facts) string {
	if f == nil || f.Init != "systemd" {
		return ""
	}
	return s.Add("sysservice", name, map[string]string{"name": name, "state": "stopped", "enabled": "false"}, pkg)
}

// Masquerade adds IP forwarding and an nftables table of its own that
// masquerades traffic leaving the given subnets, except to routed: the
// subnets the cluster routes between its servers (lang.Cluster.
// RoutedSubnets), which see the containers' own addresses.
func Masquerade(s *Set, table string, subnets, routed []string) error {
	var keep []string
	for _, r := range routed {
		if !slices.Contains(subnets, r) {
			keep = append(keep, r)
		}
	}
	content, err := templates.Render("nat.nft.tmpl", map[string]any{"Table": table, "Subnets": subnets, "Routed": keep})
	if err != nil {
		return err
	}
	Forwarding(s)
	s.Add("nft", table, map[string]string{"family": "ip", "table": table, "content": content})
	return nil
}

// Forwarding turns on IPv4 forwarding.
func Forwarding(s *Set) string {
	return s.Add("sysctl", "net.ipv4.ip_forward", map[string]string{"key": "net.ipv4.ip_forward", "value": "1"})
}

// TableName turns a declaration name into an nftables table name of drover's.
func TableName(kind, name string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
	return "drover_" + kind + "_" + clean
}

// StableMAC is a locally administered unicast MAC derived from parts
// (declaration, server, device): the same on every apply.
func StableMAC(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)
	return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4])
}

// Hash is a short content hash, used as a service's restart key.
func Hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

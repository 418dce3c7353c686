// Package bench generates large cluster definitions for drover's
// benchmarks: many servers, each with its own container subnet, and VXLAN
// networks of many members each, written as ordinary *.hcl files that use
// variables, functions and references the way a team's files would.
//
// Server addresses come from the documentation ranges: 198.51.100.0/24,
// then 203.0.113.0/24 (508 addresses in all), then the IPv6 documentation
// prefix 2001:db8::/32 for servers beyond those. Network members are always
// IPv4 servers, so a member's overlay address derives from its address.
// Container subnets are /24s of 100.80.0.0/12, overlays /24s of
// 100.64.0.0/16; none of them overlap.
package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Spec is the shape of a generated cluster.
type Spec struct {
	Servers  int // servers, each with a container subnet; 1..4096
	Networks int // VXLAN networks; 0..200
	Members  int // servers per network; 2..254, at most the IPv4 servers
	// PerFile is how many server blocks go in one file; default 100.
	PerFile int
	// SubnetBits is the prefix length of each server's container subnet,
	// carved from 100.80.0.0/12: 24 (the default) allows 4,096 servers,
	// 26 allows 16,384.
	SubnetBits int
	// Generic is how many generic host declarations (directories, files,
	// lines, symlinks, a sysctl; every server gets each) generic.hcl
	// holds: 0..20.
	Generic int
}

// Large is the benchmarks' cluster: 1,000 servers and 8 VXLAN networks of
// 50 members each (neighbouring networks share 10 members).
func Large() Spec { return Spec{Servers: 1000, Networks: 8, Members: 50} }

// Fleet is the scaling benchmark's cluster (issue 20): 10,000 servers,
// each with a container subnet (/26) and 20 generic host declarations,
// and 200 VXLAN networks of 50 members each. Members come from the 508
// servers with IPv4 addresses (the overlay address of a member derives
// from its IPv4 address), so each of those is in about 20 networks; the
// others have IPv6 documentation addresses.
func Fleet() Spec {
	return Spec{Servers: 10000, Networks: 200, Members: 50, SubnetBits: 26, Generic: 20, PerFile: 500}
}

// ipv4Servers is how many servers the two IPv4 documentation /24s hold.
const ipv4Servers = 2 * 254

// Limits of a Spec: container subnets are /24s of a /12; VNIs and bridge
// names stay short.
const (
	maxServers  = 16384
	maxNetworks = 200
	maxGeneric  = 20
)

// subnetBits is the prefix length of the container subnets.
func (s Spec) subnetBits() int {
	if s.SubnetBits == 0 {
		return 24
	}
	return s.SubnetBits
}

// stride is how far apart the first members of neighbouring networks are.
func (s Spec) stride() int { return s.Members * 4 / 5 }

// Check reports a spec the generator cannot write as a valid cluster.
func (s Spec) Check() error {
	switch {
	case s.subnetBits() < 13 || s.subnetBits() > 28:
		return fmt.Errorf("bench: container subnets of /%d: want /13../28", s.subnetBits())
	case s.Servers < 1 || s.Servers > min(maxServers, 1<<(s.subnetBits()-12)):
		return fmt.Errorf("bench: %d servers: want 1..%d (with /%d container subnets)", s.Servers, min(maxServers, 1<<(s.subnetBits()-12)), s.subnetBits())
	case s.Generic < 0 || s.Generic > maxGeneric:
		return fmt.Errorf("bench: %d generic declarations: want 0..%d", s.Generic, maxGeneric)
	case s.Networks < 0 || s.Networks > maxNetworks:
		return fmt.Errorf("bench: %d networks: want 0..%d", s.Networks, maxNetworks)
	case s.Networks > 0 && (s.Members < 2 || s.Members > 254):
		return fmt.Errorf("bench: %d members per network: want 2..254", s.Members)
	case s.Networks > 0 && s.Members > min(s.Servers, ipv4Servers):
		return fmt.Errorf("bench: %d members per network, but only %d servers have IPv4 addresses",
			s.Members, min(s.Servers, ipv4Servers))
	case s.PerFile < 0:
		return fmt.Errorf("bench: %d servers per file", s.PerFile)
	}
	return nil
}

// ServerName is the name of the i-th server (0-based): s0001, s0002, ...
func ServerName(i int) string { return fmt.Sprintf("s%04d", i+1) }

// ServerAddress is the address of the i-th server (0-based).
func ServerAddress(i int) string {
	switch {
	case i < 254:
		return fmt.Sprintf("198.51.100.%d", i+1)
	case i < ipv4Servers:
		return fmt.Sprintf("203.0.113.%d", i-253)
	}
	return fmt.Sprintf("2001:db8::%x", i-ipv4Servers+1)
}

// Members returns the server indexes of network k: Members consecutive
// IPv4 servers starting at k*stride. Consecutive IPv4 servers have distinct
// last octets (up to 254 of them), so their derived overlay addresses do
// not collide.
func (s Spec) members(k int) []int {
	pool := min(s.Servers, ipv4Servers)
	out := make([]int, s.Members)
	for j := range out {
		out[j] = (k*s.stride() + j) % pool
	}
	return out
}

// Files returns the cluster's sources by file name: variables.hcl,
// servers-NN.hcl and networks.hcl.
func Files(s Spec) (map[string][]byte, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	per := s.PerFile
	if per == 0 {
		per = 100
	}
	files := map[string][]byte{"variables.hcl": variables()}
	for first := 0; first < s.Servers; first += per {
		var b bytes.Buffer
		for i := first; i < min(first+per, s.Servers); i++ {
			writeServer(&b, i, s.subnetBits()-12)
		}
		files[fmt.Sprintf("servers-%02d.hcl", first/per)] = b.Bytes()
	}
	if s.Networks > 0 {
		var b bytes.Buffer
		for k := range s.Networks {
			s.writeNetwork(&b, k)
		}
		files["networks.hcl"] = b.Bytes()
	}
	if s.Generic > 0 {
		files["generic.hcl"] = generic(s.Generic)
	}
	return files, nil
}

// Write writes the cluster's files into dir, which must exist.
func Write(dir string, s Spec) error {
	files, err := Files(s)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	return nil
}

func variables() []byte {
	return []byte(`# Generated by drover's bench package: the address plan of a large cluster.

variable "containers" {
  type        = string
  default     = "100.80.0.0/12"
  description = "Container subnets, one /24 per server."
}

variable "overlay" {
  type        = string
  default     = "100.64.0.0/16"
  description = "Overlay subnets, one /24 per network."
}

locals {
  racks = 20
}
`)
}

// writeServer writes the i-th server: its address, a container subnet
// carved with cidrsubnet, and labels.
func writeServer(b *bytes.Buffer, i, newbits int) {
	role := "web"
	if i%10 == 0 {
		role = "db"
	}
	fmt.Fprintf(b, `
server %q {
  address = %q
  subnet  = cidrsubnet(var.containers, %d, %d)
  labels  = { rack = "r${%d %% local.racks}", role = %q }
}
`, ServerName(i), ServerAddress(i), newbits, i, i/50, role)
}

// writeNetwork writes network k: even ones list their members by name,
// odd ones by reference (server.NAME.name), so both paths are measured.
func (s Spec) writeNetwork(b *bytes.Buffer, k int) {
	fmt.Fprintf(b, "\nnetwork \"vxlan\" \"vx%d\" {\n", k+1)
	fmt.Fprintf(b, "  subnet = cidrsubnet(var.overlay, 8, %d)\n", 10+k)
	fmt.Fprintf(b, "  vni    = %d\n", 100+k)
	fmt.Fprintf(b, "  bridge = \"vxl%d\"\n", k+1)
	fmt.Fprintf(b, "  domain = \"vx%d\"\n", k+1)
	b.WriteString("  servers = [")
	perLine := 8
	if k%2 == 1 {
		perLine = 4
	}
	for j, m := range s.members(k) {
		if j%perLine == 0 {
			b.WriteString("\n    ")
		} else {
			b.WriteString(" ")
		}
		if k%2 == 0 {
			fmt.Fprintf(b, "%q,", ServerName(m))
		} else {
			fmt.Fprintf(b, "server.%s.name,", ServerName(m))
		}
	}
	b.WriteString("\n  ]\n}\n")
}

// genericDecls are the generic host declarations, in order; generic(n)
// writes the first n.
var genericDecls = []string{
	`directory "app" {
  for_each = ["/var/lib/app", "/var/lib/app/data", "/etc/app"]
  path     = each.value
  mode     = "0755"
}`,
	`line "setting" {
  for_each   = { listen = "0.0.0.0:8080", workers = "4", log_level = "info", cache_mb = "64", timeout_s = "30", data_dir = "/var/lib/app/data" }
  path       = "/etc/app/app.conf"
  regexp     = "^${each.key} *="
  line       = "${each.key} = ${each.value}"
  depends_on = [directory.app]
}`,
	`file "data" {
  for_each   = { a = "alpha", b = "bravo", c = "charlie", d = "delta", e = "echo" }
  path       = "/var/lib/app/data/${each.key}.txt"
  content    = "${each.value}\n"
  mode       = "0640"
  depends_on = [directory.app]
}`,
	`file "motd" {
  path    = "/etc/app/motd"
  content = "managed by drover\n"
}`,
	`symlink "current" {
  path   = "/var/lib/app/current"
  target = "/etc/app"
}`,
	`sysctl "forwarding" {
  key   = "net.ipv4.ip_forward"
  value = "1"
}`,
	`group "app" {
  system = true
}`,
}

// genericCounts is how many host declarations each of genericDecls makes.
var genericCounts = []int{3, 6, 5, 1, 1, 2, 1}

// generic writes declarations making n host declarations per server:
// whole blocks while they fit, then a file block for the rest.
func generic(n int) []byte {
	var b bytes.Buffer
	b.WriteString("# Generated by drover's bench package: host declarations every server gets.\n")
	left := n
	for i, d := range genericDecls {
		if genericCounts[i] > left {
			break
		}
		b.WriteString("\n" + d + "\n")
		left -= genericCounts[i]
	}
	for k := range left {
		fmt.Fprintf(&b, "\nfile \"extra%d\" {\n  path    = \"/etc/app/extra%d\"\n  content = \"%d\\n\"\n}\n", k, k, k)
	}
	return b.Bytes()
}

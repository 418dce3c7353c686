// Package lang turns a folder of drover *.hcl files into a validated
// *Cluster: it parses every file, evaluates variables, locals, functions
// and references in dependency order, decodes each block into the typed
// model (model.go) with defaults applied, and validates the result. Every
// problem is an hcl.Diagnostic with the exact source range, and all
// problems of a run are reported, not only the first.
//
// # The language
//
// A cluster is every *.hcl file of one folder, read in file name order.
// Blocks may appear in any file and in any order; references between them
// are resolved by dependency, and a reference cycle is an error.
//
//	variable "base" {                  # -var base=... or DROVER_VAR_base override the default
//	  type        = string             # optional type constraint (string, number, list(string), ...)
//	  default     = "100.64.0.0/16"    # a constant; without one the variable is required
//	  description = "overlay range"
//	}
//
//	locals {                           # any number of locals blocks
//	  vx_subnet = cidrsubnet(var.base, 8, 10)
//	}
//
//	ssh {                              # optional, at most one
//	  user               = "root"      # default "root"
//	  port               = 22          # default 22
//	  identity_file      = "~/.ssh/id_ed25519"
//	  agent              = true        # default true
//	  known_hosts        = "~/.ssh/known_hosts"  # the default
//	  trust_on_first_use = false
//	  jump               = "admin@203.0.113.9:22"  # optional bastion
//	  become             = true        # sudo when user is not root, default true
//	  timeout            = "10s"       # default "10s"
//	}
//
//	server "s1" {
//	  address   = "198.51.100.1"       # required, IPv4 or IPv6
//	  interface = "eth0"               # optional
//	  subnet    = "100.65.1.0/24"      # container subnet, optional
//	  bridge    = "cbr0"               # default "cbr0"
//	  dhcp      = true                 # default true
//	  domain    = "app"                # default "app"
//	  labels    = { role = "web" }
//	  ssh { user = "admin"  port = 2222 }  # optional override of the cluster's ssh
//	}
//
//	network "vxlan" "vx1" {
//	  subnet     = local.vx_subnet     # required
//	  bridge     = "vxl0"              # default "vxl0"
//	  vni        = 42                  # default 42, 1..16777215
//	  port       = 4789                # default 4789
//	  group      = "239.1.1.1"         # optional IPv4 multicast group; absent = unicast
//	  mtu        = 1450                # optional, 576..9000; 0 in the model = derived later
//	  dhcp       = true                # default true
//	  dhcp_host  = "s1"                # default the first member
//	  domain     = "vxapp"             # default "vxapp"
//	  masquerade = true                # default true
//	  servers    = ["s1", "s2:eth1", server.s3.name, "local"]  # NAME or NAME:IFACE
//	  member "s4" { interface = "eth1"  address = "100.64.10.40" }
//	}
//
// The server name "local" is reserved for the machine drover runs on: it
// may be a network member without a server block (it then appears last in
// Cluster.Servers with Local set), and declaring `server "local"` is an
// error. Members come from `servers` first, then from `member` blocks.
//
// References: var.NAME, local.NAME, server.NAME.ATTR (name, address,
// interface, subnet, bridge, dhcp, domain, labels) and network.NAME.ATTR
// (name, kind, subnet, bridge, vni, port, group, mtu, dhcp, dhcp_host,
// domain, masquerade, servers). `server` and `network` alone are maps of
// every declaration, so `[for s in server : s.name]` works. Attributes left
// out read as their defaults. Functions are the go-cty standard library
// Terraform offers plus cidrhost, cidrnetmask, cidrsubnet and cidrsubnets;
// the table is in functions.go.
package lang

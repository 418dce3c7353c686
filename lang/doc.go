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
//	  address   = "198.51.100.1"       # required: an IPv4 or IPv6 address, or a host name
//	                                   # or ssh_config Host alias (see below)
//	  interface = "eth0"               # optional
//	  subnet    = "100.65.1.0/24"      # container subnet, optional; NATed out, except to
//	                                   # subnets a BGP/WireGuard network routes to it
//	  bridge    = "cbr0"               # default "cbr0"
//	  dhcp      = true                 # default true; DHCP pool: upper half of subnet
//	                                   # (static addresses go in the lower half)
//	  domain    = "app"                # default "app"
//	  labels    = { role = "web" }
//	  ssh {  # optional override of the cluster's ssh
//	    user = "admin"
//	    port = 2222
//	  }
//	}
//
// A server's address is what drover connects to (unless its ssh block sets
// host) and, when it is an IP address, what peers, overlays and daemon
// configs use. It may instead be a host name or an ssh_config Host alias
// (letters, digits, '.', '-', '_'; no spaces, user or port): drover
// connects to it as ssh would (ssh_config's HostName, User, Port, ...
// apply), and the IP the others use is private_address when set, else it
// is learned when drover connects: the first IPv4 address of the server's
// interface when set, else of its interface on the subnet of another
// server's declared address, else of its default route's interface. Plan
// shows the learned address (an offline plan: "known after apply"), and
// VXLAN members derive their overlay addresses from it. When nothing can
// be learned and a network or service needs the address, plan fails
// naming the server's address (file:line:col) and what to write.
//
//	server "db1" {
//	  address         = "db1.example.com"  # or an ssh_config alias such as "db1"
//	  private_address = "10.0.0.5"         # optional: the IP peers and overlays use
//	}
//
//	network "vxlan" "vx1" {
//	  subnet     = local.vx_subnet     # required
//	  bridge     = "vxl0"              # default "vxl0"
//	  vni        = 42                  # default 42, 1..16777215
//	  port       = 4789                # default 4789
//	  group      = "239.1.1.1"         # optional IPv4 multicast group; absent = unicast
//	  mtu        = 1450                # optional, 576..9000; 0 in the model = derived later
//	  dhcp       = true                # default true; pool: upper half of subnet
//	  dhcp_host  = "s1"                # default the first member
//	  domain     = "vxapp"             # default "vxapp"
//	  masquerade = true                # default true
//	  servers    = ["s1", "s2:eth1", server.s3.name, "local"]  # NAME or NAME:IFACE
//	  member "s4" {
//	    interface = "eth1"
//	    address   = "100.64.10.40"
//	  }
//	}
//
// # Layer-3 networks, the encrypted L2 VPN, tunnels, plain bridges
//
// Every network kind takes servers = ["NAME", "NAME:IFACE"] and member
// "NAME" { interface  address  ... } blocks; a member's address means the
// kind's own address (BGP: peering address; wireguard, l2vpn: address in
// the subnet, derived from the server's address when left out; gre/ipip:
// the endpoint inside the tunnel). These kinds live in their own folders,
// modules/bgp, modules/wireguard, modules/l2vpn, modules/tunnel and
// modules/bridge (kind.go: schema, validation and model), registered in
// modules.Kinds.
//
//	network "bgp" "bnet" {               # bird2 on every member, full mesh of sessions;
//	                                     # control socket /run/drover-bird.ctl (birdc -s)
//	  asn               = 0              # 0: a private ASN per server (65000 + last octet
//	                                     # of its peering address); else iBGP with this one
//	  container_subnets = true           # announce each member's container subnet
//	  hold_time      = 6  # seconds (the defaults)
//	  keepalive_time = 2
//	  connect_retry  = 2
//	  servers           = ["s1", "s2"]
//	  member "s3" {
//	    address  = "203.0.113.3"
//	    asn      = 65103
//	    announce = ["100.66.3.0/24"]
//	  }
//	}
//
//	network "wireguard" "wirex" {        # keys made on each host, never leaving it
//	  subnet      = "100.64.20.0/24"     # required: tunnel addresses
//	  topology    = "hub"                # "mesh" (default) or "hub": clients peer with hub
//	                                     # (the hub sends no ICMP redirects); plan shows
//	                                     # implementation "kernel" or "wireguard-go"
//	  hub         = "s1"                 # the main server; must stay a member while
//	                                     # clients remain (plan-time error otherwise)
//	  interface = "wg0"  # defaults
//	  port      = 51820
//	  keepalive = 25
//	  mtu       = 1420
//	  rotate_keys = 0                    # raise it to make every member a new key pair
//	  container_subnets = true           # route each member's container subnet to it
//	  servers     = ["s1", "s2", "s3"]
//	  member "s4" {
//	    subnets  = ["100.66.4.0/24"]
//	    endpoint = "203.0.113.4:51820"
//	  }
//	}
//
//	network "l2vpn" "vpx" {              # the seed's PeerVPN: VXLAN inside a WireGuard mesh
//	  subnet        = "100.64.30.0/24"   # required: addresses on the bridges
//	  bridge    = "vpl0"  # defaults
//	  interface = "peer0"
//	  port      = 51821
//	  vni       = 1
//	  tunnel_subnet = "100.127.255.0/24" # the WireGuard mesh (default)
//	  mtu           = 0                  # 0: 1500 - 80 (WireGuard) - 50 (VXLAN) = 1370
//	  dhcp          = true               # default false: dnsmasq on dhcp_host's bridge leases
//	  dhcp_host     = "s1"               # the upper half of subnet (default the first member)
//	  domain        = "vpnapp"           # DNS domain of the leases, default "vpnapp"
//	  servers       = ["s1", "s2", "s3"]
//	}
//
//	network "gre" "gre1" {               # or "ipip": exactly two servers
//	  pool    = "100.127.250.0/30"       # endpoint addresses .1 and .2 (or member address)
//	  device  = "gre1"                   # default: the network's name
//	  mtu     = 0                        # 0: underlay MTU - 24 (GRE) or - 20 (IPIP)
//	  servers = ["s1", "s2"]
//	  member "s2" {  # seed -r; routes
//	    underlay = "203.0.113.2"
//	    subnets  = ["100.66.2.0/24"]
//	  }
//	}
//
//	network "bridge" "lan" {             # plain bridging: IFACE becomes a port of the bridge,
//	  bridge  = "br0"                    # the server's addresses and routes move to the bridge
//	  servers = ["s1:eth1", "s2"]        # default IFACE: the one holding the server's address
//	}
//
// Across networks: a server is in at most one BGP network, and two
// networks on one server may not share an interface, bridge or UDP port.
//
// Attachments (the seed's setnet/addnet; `drover show attachments` is
// listnet) are container-like network namespaces on a server, NAME in
// `ip netns`, with one interface eth0 on a network's bridge (its MTU too).
// Names have at most 12 characters (the host's veth is at-NAME).
//
//	attachment "web1" {
//	  server  = "s1"                     # required; a member of the network
//	  network = "vx1"                    # a vxlan, l2vpn or bridge network; default "subnet":
//	                                     # the server's container bridge (cbr0)
//	  address = "100.64.10.50/24"        # static, in the network's subnet; or
//	  dhcp    = true                     # a lease (busybox udhcpc keeps renewing it)
//	  gateway = "100.64.10.1"            # static only; default none ("subnet": the bridge's .1)
//	}
//
// The server name "local" is reserved for the machine drover runs on: it
// may be a network member without a server block (it then appears last in
// Cluster.Servers with Local set), and declaring `server "local"` is an
// error. Members come from `servers` first, then from `member` blocks; a
// member block of a server listed in `servers` refines that member (its
// address, interface and the kind's member settings) instead of adding it
// again.
//
// References: var.NAME, local.NAME, server.NAME.ATTR (name, address as
// written, private_address, interface, subnet, bridge, dhcp, domain, labels) and network.NAME.ATTR
// (name, kind, subnet, bridge, vni, port, group, mtu, dhcp, dhcp_host,
// domain, masquerade, servers). `server` and `network` alone are maps of
// every declaration, so `[for s in server : s.name]` works. Attributes left
// out read as their defaults. Functions are the go-cty standard library
// Terraform offers plus cidrhost, cidrnetmask, cidrsubnet and cidrsubnets;
// the table is in functions.go.
//
// # Cluster services
//
// Load balancers, web servers, floating addresses and databases (the
// seed's addlb, addws, addvip and adddb). Their names are optional: a name
// left out is generated from the settings that identify the service, so it
// stays the same from apply to apply; `drover show lbs|ws|vips|dbs` lists
// them. Names are unique across load balancers, web servers and VIPs.
//
//	loadbalancer "haproxy" {           # or "nginx"
//	  name           = "ha1"           # default KIND-SERVER-PORT: "haproxy-s1-80"
//	  server         = "s1"            # required
//	  address        = "100.65.1.1"    # listen address; default the server's container
//	                                   # bridge address, else its address (another
//	                                   # address, such as a VIP, sets ip_nonlocal_bind)
//	  port           = 80              # default 80
//	  backends       = ["web1:100.64.10.2:8080", "100.64.10.3:8080"]  # [NAME:]ADDRESS:PORT, required
//	  mode           = "leastconn"     # haproxy: roundrobin (default), leastconn, source;
//	                                   # nginx: round_robin (default), least_conn, ip_hash
//	  health_check   = "/"             # HTTP path backends are checked with; default a TCP
//	                                   # check (haproxy), passive checks (nginx)
//	  check_interval = "2s"            # default "2s"
//	  url            = "mywordpress.org"  # host name served (nginx server_name, check Host)
//	  workers        = 2               # haproxy threads / nginx workers; default automatic
//	  resolvers      = ["100.64.10.1"] # DNS servers for backends given by name (NAME:PORT),
//	                                   # asked when requests come: haproxy's resolvers section;
//	                                   # nginx with one backend (several: resolved at start)
//	  publish        = ["80:8080", "443"]  # SERVERPORT:PORT or PORT: DNAT from the server's address
//	  tls {                            # HTTPS too; without certificate and key, a
//	    port        = 443              # self-signed pair is generated on the server
//	    certificate = "/etc/ssl/certs/web.pem"   # files already on the server
//	    key         = "/etc/ssl/private/web.key"
//	    names       = ["mywordpress.org"]  # self-signed: default url, else the server's address
//	  }
//	}
//
//	webserver {                        # nginx publishing apps by host name
//	  name     = "nginx11"             # default "web-SERVER-PORT"
//	  server   = "s1"                  # required
//	  address  = "100.65.1.1"          # as for load balancers
//	  port     = 80                    # default 80
//	  tls_port = 443                   # default 443, for apps with tls; HTTPS for a name no
//	                                   # app serves is refused (no certificate, no app)
//	  workers  = 2
//	  resolvers = ["100.64.10.1"]
//	  publish  = ["80", "443"]
//	  hosts_on = ["s2", "s3"]          # /etc/hosts entries for every app on these servers
//	  app "myminio.org" {              # one per host name
//	    upstream = "100.64.10.2:9000"  # ADDRESS:PORT or NAME:PORT (with resolvers: resolved
//	                                   # when requests come, "wordpress.app:80"), required
//	    tls {}                         # as above (port unused)
//	  }
//	}
//
//	vip {                              # a floating address, keepalived (VRRP)
//	  name            = "front"        # default "vip-A-B-C-D"
//	  address         = "198.51.100.100/24"  # required, IPv4, prefix default /32
//	  servers         = ["s1", "s2"]   # required; the first gets priority 150, then 140, ...
//	  priorities      = { s2 = 200 }   # override priorities, 1..254 (highest holds it)
//	  router_id       = 51             # VRRP id 1..255, default the address's last byte
//	  multicast       = false          # default unicast to the other servers
//	  track           = "/usr/bin/pgrep -x haproxy"  # while it fails, the server lets go
//	  track_interval  = "1s"           # run track every 1s..4294s (whole seconds)
//	  track_fall      = 2              # failures in a row that take the server out, 1..255
//	  track_rise      = 2              # successes in a row that bring it back, 1..255
//	  advert_interval = "1s"           # 10ms..40s; below 1s uses VRRPv3
//	  interface       = "eth0"         # default the interface holding each server's address
//	}
//
//	database "mariadb" {               # or "postgresql"; one instance ENGINE-SERVER per server
//	  server   = "s1"                  # required
//	  name     = "wordpress"           # the database, required (a plain SQL name)
//	  user     = "wordpress"           # default name
//	  password = var.wp_password       # default: generated on the server, kept there in a
//	                                   # root-only file (drover show dbs says where)
//	  allow    = "100.65.1.0/24"       # client range; default the server's container subnet
//	  port     = 3306                  # default 3306 / 5432 (the same for an instance's databases)
//	  listen   = "0.0.0.0"             # default "0.0.0.0"
//	}
//
// # Host declarations
//
// The everyday things a playbook does on servers, one block type each,
// labelled with a name that references use (file.motd, service.nginx):
//
//	file "motd" {
//	  path     = "/etc/motd"         # required, absolute
//	  content  = "hello\n"           # or source = "files/motd" (relative to this file's folder)
//	  mode     = "0644"              # default "0644"
//	  owner    = "root:root"         # default "root:root"
//	  validate = "nginx -t -c {}"    # optional check of the new file before it replaces the old
//	  sensitive = false              # true: plan shows the content's size, never the content
//	}
//	template "hosts" {               # a Go text/template rendered per server
//	  path   = "/etc/hosts.app"
//	  source = "templates/hosts.tmpl"  # reads .vars, .server, .servers, .facts
//	  vars   = { domain = "lab" }    # mode, owner, validate as for file
//	}
//	directory "app" {
//	  path  = "/var/lib/app"
//	  mode  = "0755"
//	  owner = "root:root"
//	  purge = false
//	}
//	symlink "current" {
//	  path   = "/var/lib/app/current"
//	  target = "/var/lib/app/releases/3"
//	}
//	line "root_login" {              # one line of a file (lineinfile)
//	  path         = "/etc/ssh/sshd_config"
//	  line         = "PermitRootLogin no"
//	  regexp       = "^#?PermitRootLogin "  # optional: the line to replace (the last match)
//	  state        = "present"       # or "absent": remove every matching line
//	  insert_after = "^# Auth"       # optional; default the end of the file
//	  create       = true            # create a missing file, default true
//	  sensitive    = false           # true: the line prints as (sensitive), in IDs as a hash
//	}
//	package "nginx" {
//	  name             = "nginx-light"
//	  state            = "present"
//	  remove_on_delete = false
//	}
//	service "nginx" {                # a service the system has (systemctl, else /etc/init.d)
//	  state   = "started"            # or "stopped"
//	  enabled = true                 # at boot (systemd only)
//	  reload  = "reload"             # what a watched change does: "restart" (default) or "reload"
//	  pidfile = "/run/nginx.pid"     # optional: read liveness without running a status command
//	  watch   = [template.nginx_conf]  # handlers: a change to these restarts or reloads it
//	}
//	service "api" {  # a daemon drover runs
//	  command = "busybox httpd -f -p 8081 -h /srv"
//	  watch   = [file.page]
//	}
//	sysctl "forwarding" {  # persist: /etc/sysctl.d drop-in
//	  key     = "net.ipv4.ip_forward"
//	  value   = "1"
//	  persist = true
//	}
//	group "app" {
//	  gid    = 991
//	  system = true
//	}
//	user "app" {
//	  uid         = 990
//	  group       = "app"
//	  groups      = ["adm"]
//	  home        = "/var/lib/app"
//	  shell       = "/usr/sbin/nologin"
//	  system      = true
//	  create_home = false
//	}
//	command "init_db" {              # the rare imperative step; the plan says it will run, nothing more
//	  command = "/opt/app/bin/init-db"  # run with sh -c as root
//	  creates = "/var/lib/app/db"    # guard: does not run while this path exists
//	  unless  = "test -s /var/lib/app/db/ok"  # guard: does not run while this exits 0
//	  dir     = "/"                  # working directory
//	  undo    = "rm -rf /var/lib/app/db"  # run when the declaration is removed
//	}
//
// Every host declaration also takes these meta-arguments:
//
//	servers    = ["s1", "s2"]         # target these servers (default: all)
//	where      = { role = "web" }     # ... those whose labels match (with servers: both)
//	for_each   = ["/a", "/b"]         # one instance per string (each.key = each.value), or
//	# for_each = { web = 80 }         # per map entry (each.key, each.value)
//	count      = 3                    # instances numbered by count.index
//	depends_on = [directory.app]      # apply after these declarations (on the same server; on
//	                                  # their servers when they do not target this one)
//	notify     = [service.nginx]      # not on services: restart/reload these when this changes
//
// Instances are identified by key (`file.data["a"]`), so removing one element
// of a for_each list or map removes only its instance; prefer for_each to
// count for things that come and go. Within a server, declarations apply in
// declaration order (and before the server's containers and jobs, so a
// command may make a container's rootfs tarball), moved where depends_on,
// watch, notify or a reference to another declaration
// (`path = "${directory.app.path}/app.conf"`) says
// otherwise; a loop is an error. depends_on and watch may also name an
// attachment (`depends_on = [attachment.web1]`, `watch = [attachment.web1]`):
// a daemon run inside its namespace (`command = "ip netns exec web1 ..."`)
// then starts after it, and restarts when the attachment is replaced (a new
// address is a new namespace). A reference to a declaration reads its
// settings (an object, a map of objects with for_each, a list with count).
// Two declarations managing the same path, package, service, user, group or
// sysctl key on one server are an error. Removing a declaration removes what
// it made (a file it replaced comes back; a package stays unless
// remove_on_delete = true; a command runs its undo).
//
// # The server a declaration is applied to: self
//
// Inside the settings of a host declaration, self is the server the
// declaration is being applied to: self.name, self.address and
// self.labels (a map: self.labels.role, self.labels["zone"]). A
// declaration that reads self is evaluated once per server it targets, so
// one declaration gives each server its own value, with no for_each over
// servers:
//
//	file "motd" {
//	  path    = "/etc/motd"
//	  content = "This is ${self.name} (${self.address}), a ${self.labels.role} server.\n"
//	  where   = { role = "web" }
//	}
//	directory "role_data" {
//	  path = "/srv/${self.labels.role}"
//	}
//
// self combines with for_each and count (each instance, then each
// server). It is an error outside the settings of a host declaration
// (variables, locals, servers, networks and the other kinds name a server
// as server.NAME.address), in servers, where, for_each and count (they
// choose the servers and instances self stands for), for an attribute
// self does not have (self.adress: "Did you mean self.address?"), and for
// a label one of the targeted servers lacks (the error names the server;
// target with where to pick the servers that have it, or read it with a
// default: lookup(self.labels, "zone", "none")). self.address is the IP
// address peers use (private_address, else address); for a server whose
// address is a host name and has no private_address it is an error (the
// IP is learned only when drover runs), as for "local". Another
// declaration cannot read a setting that uses self
// (file.motd.content), since it has a value per server. Facts (the
// host's OS, interfaces, ...) are not part of self: they are known only
// when drover has reached the hosts, after the configuration is
// evaluated; a template reads them as .facts.
//
// # Sensitive values
//
// sensitive = true has Terraform's meaning on variable, file, template and
// line blocks: the value prints as (sensitive) everywhere (plan, apply,
// -json, diagnostics), and a file's changed content as its size in bytes
// instead of a diff. A value computed from a sensitive variable (through
// interpolation, functions, locals, a template's vars or a reference to
// another declaration) is sensitive too, and so is any attribute a module
// renders one into (a daemon's config holding it prints as its size;
// secrets shorter than 4 bytes are not tracked there):
//
//	variable "api_token" {
//	  default   = "change-me"
//	  sensitive = true
//	}
//	file "token" {
//	  path    = "/etc/app/token"
//	  content = "TOKEN=${var.api_token}\n"  # sensitive: it uses var.api_token
//	  mode    = "0600"
//	}
//	file "tls_key" {
//	  path      = "/etc/app/tls.key"
//	  source    = "tls.key"
//	  mode      = "0600"
//	  sensitive = true
//	}
//
// # What attributes accept
//
// Every string attribute of every block has one named grammar (the table
// attrGrammars in attrgrammar.go), checked at file:line:col with an example
// of a valid value, so that no value can add a directive to a config file,
// a unit, a sysctl drop-in, an nftables ruleset or SQL, become an option
// of a command, or leave a directory:
//
//   - IP address, CIDR, interface name (the kernel's rules, and only letters,
//     digits, '_', '.', '-'), DNS domain and host name (labels of letters,
//     digits and '-'): addresses, subnets, bridges, devices, domains, url,
//     tls names.
//   - URL path ('/' then letters, digits and "-._~/%!*+,=:@&?", no "." or
//     ".." segment): health_check, service check paths; http URL for
//     consul_check http.
//   - managed path: absolute and already clean (no "//", "/./", "/../" or
//     trailing '/'; the clean form is suggested), never drover's own state
//     (/var/lib/drover, /run/drover, /var/log/drover, /etc/drover,
//     /etc/systemd/system/drover-*) nor a parent of it: the path of file,
//     template, directory, symlink and line. Two spellings of one path are
//     one path.
//   - absolute clean path: command creates and dir; absolute clean path of
//     plain characters (letters, digits, "-._+@/"): tls certificate and key
//     (outside drover's state), pidfile, user home and shell, consul binary,
//     container rootfs.
//   - daemon identifier (a letter, then letters, digits, '_', '-'; at most
//     63): names of balancers, web servers, VIPs, networks, containers,
//     groups of jobs; server name (the same, or "local"); network member
//     (SERVER or SERVER:INTERFACE).
//   - service name (letters, digits, "-_.@", starting with a letter or
//     digit, no ".."), package name (Debian's: lower-case letters, digits,
//     "+-.", never a leading '-'), user or group name, owner (USER or
//     USER:GROUP), SQL name (database name and user), password (printable
//     ASCII without quotes or backslashes), keyword (state, mode, check,
//     strategy, topology, reload).
//   - sysctl key (dot-separated words of letters, digits, '_', '-': no '/'
//     and no ".."), sysctl value (words of letters, digits and "-_.:,/+"
//     separated by spaces or tabs).
//   - shell-free command line (words of letters, digits and
//     "-_./:=@+,~^"; the program a name found in PATH or an absolute clean
//     path, never starting with '-'): service and container command, VIP
//     track. Single-line shell command (anything but a line break or NUL;
//     it is code, run by /bin/sh -c): command, unless, undo, validate.
//   - single line: a line's line; regular expression (RE2, one line):
//     regexp, insert_after; backend ([NAME:]ADDRESS:PORT), backend address
//     (HOST:PORT): upstream, endpoint, tcp; published port (PORT or
//     SERVERPORT:PORT); duration ("10s"); octal mode ("0644"); size
//     ("64M"); version; local file name (source, identity_file,
//     known_hosts; read on this machine); symlink target; jump host; login
//     name.
//   - free-form, never checked: a file's content, a template's vars, a
//     container file's content, and label values (server labels, where,
//     constraints: only compared); their keys are checked.
//
// # Containers and jobs
//
// Containers run under a runtime (runner/host/apps/container.go, one driver
// per runtime): LXC by default, podman, or docker. A container block is a
// base: it runs on its servers, if any, and jobs build their instances
// from it. Servers take `capacity = 8` (job instances the server holds, 0 =
// no limit) for placement.
//
//	container "web" {
//	  servers  = []                   # run it on these servers too (default: a base only)
//	  runtime  = "lxc"                # "lxc" (default), "podman" or "docker"
//	  template = "busybox"            # LXC template (the default), or
//	  rootfs   = "/srv/web.tar.gz"    # a rootfs tarball already on the servers (with /bin/sh)
//	  command  = "/bin/busybox httpd -f -p 80 -h /www"  # "" = the image's init
//	  files    = { "/www/index.html" = "hello from {{name}}" }  # {{name}}: the container's name
//	  version  = "2"                  # default: a hash of template, rootfs, command, files, memory
//	  memory   = "64M"                # cgroup limit, optional
//	  interface "subnet" {            # "subnet" = the server's container bridge, or a vxlan/l2vpn network
//	    address = "100.65.1.10"       # static (one server only); absent = DHCP
//	    gateway = "100.65.1.1"        # default: the bridge for a static subnet address
//	  }
//	  service "web" {                 # published in DNS as web.<domain>, checked
//	    port  = 80                    # required
//	    check = "http"                # "tcp" (default), "http" or "none"
//	    path  = "/"                   # http check path
//	  }
//	}
//
// Under podman or docker a container runs an image (no template):
//
//	container "app" {
//	  runtime = "podman"
//	  image   = "localhost/app:1"     # image reference; a new tag rolls out to the jobs
//	  rootfs  = "/srv/images/app.tar" # a rootfs tarball on the servers, imported as image
//	                                  # once per server (drover does not copy it there: a
//	                                  # command declaration may make it, see the README); or
//	  archive = "/srv/images/app.oci" # an image archive (podman/docker save), loaded once;
//	                                  # neither: pulled from its registry
//	  command = "/bin/busybox httpd -f -p 80 -h /www"  # "" = the image's command
//	  interface "subnet" {
//	    address = "100.65.1.20"       # static; absent = the next free address of
//	  }                               # the server's slice of the network (below)
//	}
//
// Under docker, drover also gives dockerd its settings in
// /etc/docker/daemon.json (no iptables rules, no masquerade, no
// ip_forward of its own, live-restore, no docker0) and removes the rules a
// dockerd with its defaults left: drover's nftables tables decide (README:
// Docker containers).
//
// Podman and docker take no DHCP lease: a container or job instance without
// a static address gets one from its server's slice of the network's subnet
// (the ovs-gre-mesh seed's per-host fixed-cidr), the same on every server
// and computed from the HCL alone: the subnet, or its lower half where
// drover's dnsmasq leases the upper half, cut into equal power-of-two
// blocks holding no member's address and no static address declared there
// (containers, job addresses ranges, attachments), one per member in the
// network's order (the largest size that gives every member one, at least
// 4 addresses; a network too small for that fails validate at the
// container's interface or the job's network). A new version keeps each
// instance's address; the address is learned after apply (DNS, show jobs).
//
//	job "web" {                       # the seed's addjob
//	  container      = "web"          # required: the base container
//	  runtime        = "podman"       # default: the base container's runtime
//	  count          = 4              # default 1; validate fails when the servers'
//	                                  # capacity, replicas or labels leave no room
//	  network        = "vx1"          # default "subnet"
//	  addresses      = "100.64.10.32/28"  # instance i gets the i-th address (web-1: .33); absent = DHCP
//	                                  # (LXC), the server's slice (podman, docker)
//	  servers        = ["s1", "s2"]   # candidates; default every server the network reaches
//	  constraints    = { role = "web" }   # labels a server must carry
//	  strategy       = "spread"       # or "binpack"
//	  replicas       = 0              # most instances per server, 0 = no limit
//	  group          = "front"        # jobs of one group share servers
//	  max_parallel   = 1              # instances replaced at once when the base changes
//	  interval       = "20s"          # wait after each replaced batch (the seed's -i 20)
//	  health_timeout = "30s"          # a new instance failing its check this long is rolled back
//	  service "web" {
//	    port  = 80
//	    check = "http"
//	  }
//	}
//
// Instances are named JOB-N. References: job.NAME.ATTR (the settings, plus
// instance_addresses and backends: ["web-1:100.64.10.33:80", ...] for a
// load balancer's backends, from the first service's port).
//
// # Service discovery with Consul
//
// The services of containers and jobs are always published by drover's
// dnsmasq (SERVICE.<domain>, round robin). With a consul block and at least
// one endpoint they are also registered with Consul (the seed's addep,
// addservice, addcheck, pubservice, pubcheck, services):
//
//	consul {
//	  binary     = "/usr/local/bin/consul" # consul on the servers (default; /usr/bin/consul with package);
//	                                       # without source or package, plan fails on a server without it
//	  source     = "files/consul"          # a text file drover copies to binary (a script), or
//	  package    = "consul"                # an apt package from a source you configured
//	  datacenter = "dc1"
//	  servers    = ["s1", "s2"]            # client agents; default every server
//	}
//	endpoint "consul-1" {                  # a Consul server (the seed's addep)
//	  server  = "s1"
//	  network = "vx1"                      # default "subnet": the server's container subnet
//	  address = "100.64.10.5"              # static, added to the network's bridge as a /32
//	}
//	consul_service "minio" {  # pubservice
//	  address = "100.65.1.20"
//	  port    = 9000
//	  check   = "tcp"
//	}
//	consul_check "minio-up" {  # pubcheck
//	  service = "minio"
//	  tcp     = "100.65.1.20:9000"
//	}
//
// Declare one endpoint, or three and more (two cannot survive a failure).
// Every server runs a client agent joining the endpoints; each instance's
// services (with a tcp or http check) are registered with the agent of
// the server it runs on, and deregistered when it goes. Ad hoc services
// and checks go to the agent of server (default: the first endpoint's).
// drover's dnsmasq forwards the consul domain to the local agent, so
// containers resolve SERVICE.service.consul; a load balancer or web
// server may name one as a backend with resolvers = [its dnsmasq].
package lang

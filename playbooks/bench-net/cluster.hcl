# The networking benchmark (issue 6): three servers with container
# subnets, a unicast VXLAN overlay between them, BGP (bird2) routing the
# container subnets, and haproxy on s1 in front of web backends on s2 and
# s3. ansible/site.yml does the same work with shell, template and
# service-like tasks, for the comparison `make bench` prints.
#
# The backends are whatever listens on port 8000 of s2 and s3: the bench
# starts busybox httpd there before either tool runs (not timed).

server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
  dhcp    = false
}

server "s2" {
  address = "198.51.100.2"
  subnet  = "100.65.2.0/24"
  dhcp    = false
}

server "s3" {
  address = "198.51.100.3"
  subnet  = "100.65.3.0/24"
  dhcp    = false
}

# L2 overlay: bridge vxl0 with 100.64.10.N, VXLAN 42, one FDB entry per peer.
network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  vni     = 42
  dhcp    = false
  servers = ["s1", "s2", "s3"]
}

# L3: every server announces its container subnet to the others.
network "bgp" "bnet" {
  servers = ["s1", "s2", "s3"]
}

# haproxy on s1's container bridge address, health-checking both backends.
# The backends: a page naming its server, served on port 8000 of s2 and
# s3, so that the playbook applies and verifies on a fresh lab alone.
file "page" {
  for_each = toset(["s2", "s3"])
  servers  = [each.key]
  path     = "/var/lib/web/index.html"
  content  = "hello from ${each.key}\n"
}

service "web" {
  servers = ["s2", "s3"]
  command = "busybox httpd -f -p 8000 -h /var/lib/web"
  watch   = [file.page]
}

loadbalancer "haproxy" {
  server         = "s1"
  port           = 8080
  backends       = ["web2:198.51.100.2:8000", "web3:198.51.100.3:8000"]
  mode           = "roundrobin"
  health_check   = "/"
  check_interval = "500ms"
}

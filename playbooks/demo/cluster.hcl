# The demo cluster, all together: three servers, each with its own
# container subnet (the seed's setsubnet); a unicast VXLAN overlay with DHCP
# and DNS on s1 (createnetwork vx1 vxlan + addnetwork); a web app on s2 and
# s3; the same haproxy balancer on s1 and s2 behind a floating VIP that s1
# holds and s2 takes over (addlb, addvip); a MariaDB database on s3 that only
# the overlay may reach (adddb).
#
#   drover lab up playbooks/demo && drover apply playbooks/demo

variable "overlay" {
  type        = string
  default     = "100.64.0.0/16"
  description = "Where the overlay subnet is carved from."
}

locals {
  servers = {
    s1 = "198.51.100.1"
    s2 = "198.51.100.2"
    s3 = "198.51.100.3"
  }
  vip      = "198.51.100.100"
  backends = [for n in [2, 3] : "web${n}:${cidrhost(network.vx1.subnet, n)}:8000"]
}

server "s1" {
  address = local.servers.s1
  subnet  = cidrsubnet("100.65.0.0/16", 8, 1)
  labels  = { role = "front" }
}

server "s2" {
  address = local.servers.s2
  subnet  = cidrsubnet("100.65.0.0/16", 8, 2)
  labels  = { role = "web" }
}

server "s3" {
  address = local.servers.s3
  subnet  = cidrsubnet("100.65.0.0/16", 8, 3)
  labels  = { role = "web" }
}

# Overlay addresses follow the servers': s1 100.64.10.1, s2 .2, s3 .3
# (with the default overlay).
network "vxlan" "vx1" {
  subnet    = cidrsubnet(var.overlay, 8, 10)
  servers   = ["s1", "s2", "s3"]
  dhcp_host = "s1"
  domain    = "vxapp"
}

# The web app: busybox httpd serving a page that names its server.
file "page" {
  for_each = toset(["s2", "s3"])
  servers  = [each.key]
  path     = "/var/lib/web/index.html"
  content  = "served by ${each.key}\n"
}

service "web" {
  where   = { role = "web" }
  command = "busybox httpd -f -p 8000 -h /var/lib/web"
  watch   = [file.page]
}

# The same balancer on s1 and s2, listening on the VIP (wherever it is),
# balancing over the web app on the overlay.
loadbalancer "haproxy" {
  name         = "front-s1"
  server       = "s1"
  address      = local.vip
  backends     = local.backends
  health_check = "/"
}

loadbalancer "haproxy" {
  name         = "front-s2"
  server       = "s2"
  address      = local.vip
  backends     = local.backends
  health_check = "/"
}

# s1 holds the VIP while its haproxy runs and its link is up.
vip {
  name            = "front"
  address         = "${local.vip}/24"
  servers         = ["s1", "s2"]
  track           = "/usr/bin/pgrep -x haproxy"
  advert_interval = "250ms"
}

# The app's database, for clients on the overlay only.
database "mariadb" {
  server = "s3"
  name   = "app"
  allow  = network.vx1.subnet
}

# The cluster services together (the README's demo): an overlay joining
# three servers, a web app on s2 and s3, an haproxy balancer on s1 and on
# s2 in front of it, behind a floating address that s1 holds and s2 takes
# over, and a MariaDB database on s3 that only the overlay may reach.

server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }

# Overlay addresses follow the servers': s1 100.64.10.1, s2 .2, s3 .3.
network "vxlan" "apps" {
  subnet  = "100.64.10.0/24"
  servers = ["s1", "s2", "s3"]
}

# The web app: busybox httpd serving a page that names its server.
file "page" {
  for_each = toset(["s2", "s3"])
  servers  = [each.key]
  path     = "/var/lib/web/index.html"
  content  = "served by ${each.key}\n"
}

service "web" {
  servers = ["s2", "s3"]
  command = "busybox httpd -f -p 8000 -h /var/lib/web"
  watch   = [file.page]
}

locals {
  backends = ["web2:100.64.10.2:8000", "web3:100.64.10.3:8000"]
  vip      = "198.51.100.100"
}

# The same balancer on s1 and s2, listening on the VIP (wherever it is).
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
  allow  = "100.64.10.0/24"
}

# A job of 4 busybox web instances spread over 3 servers on a VXLAN
# network, behind an haproxy load balancer on s1 whose backends are the
# job's instances (job.web.backends). Change the base container (its files
# or version) and apply: the instances are replaced one at a time, each
# gated on its HTTP check, while the balancer keeps answering.

server "s1" {
  address  = "198.51.100.1"
  subnet   = "100.65.1.0/24"
  capacity = 4
}

server "s2" {
  address  = "198.51.100.2"
  subnet   = "100.65.2.0/24"
  capacity = 4
}

server "s3" {
  address  = "198.51.100.3"
  subnet   = "100.65.3.0/24"
  capacity = 4
}

network "vxlan" "vx1" {
  subnet    = "100.64.10.0/24"
  servers   = ["s1", "s2", "s3"]
  dhcp_host = "s1"
}

# The base container: busybox httpd serving one page that names the
# instance. Jobs build their instances from it; it runs nowhere itself.
container "web" {
  template = "busybox"
  command  = "/bin/busybox httpd -f -p 80 -h /www"
  files = {
    "/www/index.html" = "hello from {{name}} v1\n"
  }
  memory = "64M"
}

job "web" {
  container      = "web"
  count          = 4
  network        = "vx1"
  addresses      = "100.64.10.32/28" # web-1 .33, web-2 .34, ...
  strategy       = "spread"
  max_parallel   = 1
  interval       = "1s"
  health_timeout = "10s"

  service "web" {
    port  = 80
    check = "http"
    path  = "/"
  }
}

loadbalancer "haproxy" {
  name           = "web"
  server         = "s1"
  port           = 80
  backends       = job.web.backends
  health_check   = "/"
  check_interval = "500ms"
}

# Consul service discovery (the seed's addep/addservice/addcheck/
# pubservice/pubcheck): one Consul server (endpoint) on s1 at a static
# address on the vx1 overlay, a client agent on every server joining it,
# and the services of a job registered with the agent of the server each
# instance runs on. Containers resolve SERVICE.service.consul through
# drover's dnsmasq, which forwards .consul to the local agent.
#
# consul must be on the servers at binary (Consul is not in Debian): put
# it there, or set package = "consul" with an apt source you configured,
# or source = "FILE" for a script drover copies (the lab suite copies a
# fake consul that way).

server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}

server "s2" {
  address = "198.51.100.2"
  subnet  = "100.65.2.0/24"
}

server "s3" {
  address = "198.51.100.3"
  subnet  = "100.65.3.0/24"
}

network "vxlan" "vx1" {
  subnet    = "100.64.10.0/24"
  servers   = ["s1", "s2", "s3"]
  dhcp_host = "s1"
}

consul {
  binary     = "/usr/local/bin/consul"
  datacenter = "lab"
}

endpoint "consul-1" {
  server  = "s1"
  network = "vx1"
  address = "100.64.10.5"
}

container "web" {
  template = "busybox"
  command  = "/bin/busybox httpd -f -p 80 -h /www"
  files = {
    "/www/index.html" = "hello from {{name}}\n"
  }
}

# Static addresses: web-1 .33, web-2 .34, web-3 .35.
job "web" {
  container      = "web"
  count          = 3
  network        = "vx1"
  addresses      = "100.64.10.32/28"
  health_timeout = "10s"

  service "web" {
    port  = 80
    check = "http"
  }
}

# DHCP addresses: registered with the lease each instance took.
job "api" {
  container      = "web"
  count          = 2
  network        = "vx1"
  health_timeout = "15s"

  service "api" {
    port = 80
  }
}

# Ad hoc: drover's DNS on vx1, and a check of it.
consul_service "dns" {
  address = "100.64.10.1"
  port    = 53
}

consul_check "dns-tcp" {
  service = "dns"
  tcp     = "100.64.10.1:53"
}

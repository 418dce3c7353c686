# Two load balancers on s1 in front of web backends on s2 and s3 (the
# seed's addlb, addbackends, setlb and pub). The backends are part of the
# playbook: busybox httpd on port 8000 of s2 and s3, each serving a page
# that names its server, so it applies and verifies on a fresh lab alone.

server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24" # the balancers listen on its bridge address
  dhcp    = false
}

server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }

# The backends: a page naming its server, served on port 8000.
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

# haproxy-s1-8080: HTTP on 8080 and HTTPS on 443 with a certificate
# generated on s1, published on s1's address as ports 80 and 443.
loadbalancer "haproxy" {
  server         = "s1"
  port           = 8080
  backends       = ["web2:198.51.100.2:8000", "web3:198.51.100.3:8000"]
  mode           = "roundrobin"
  health_check   = "/"
  check_interval = "500ms"
  publish        = ["80:8080", "443"]
  tls {}
}

# nginx-s1-8081, published as port 81.
loadbalancer "nginx" {
  server   = "s1"
  port     = 8081
  mode     = "least_conn"
  workers  = 2
  backends = ["198.51.100.2:8000", "198.51.100.3:8000"]
  publish  = ["81:8081"]
}

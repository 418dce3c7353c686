server "s1" {
  address   = "198.51.100.1"
  interface = "eth0"
  subnet    = "100.65.1.0/24"
  bridge    = "cbr0"
  dhcp      = true
  domain    = "app"
  labels    = { role = "web" }
  ssh {
    user = "admin"
    port = 2222
  }
}

server "s2" {
  address = cidrhost("198.51.100.0/24", 2)
  subnet  = local.subnets[1]
  labels  = merge(server.s1.labels, { zone = "b" })
}

server "s3" {
  address = "198.51.100.3"
  dhcp    = false
  domain  = "${server.s1.domain}3"
}

server "s4" {
  address = "203.0.113.4"
}

server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}
server "s2" { address = "198.51.100.2" }

locals {
  vip = "198.51.100.100"
}

loadbalancer "haproxy" {
  server         = server.s1.name
  backends       = ["web1:100.64.10.2:8080", "100.64.10.3:8080"]
  mode           = "leastconn"
  health_check   = "/health"
  check_interval = "500ms"
  publish        = ["80", "8443:443"]
  tls {}
}

loadbalancer "nginx" {
  name     = "ng1"
  server   = "s2"
  address  = local.vip
  port     = 8080
  backends = ["app.service:80"]
  resolvers = ["100.64.10.1"]
  tls {
    certificate = "/etc/ssl/certs/ng1.pem"
    key         = "/etc/ssl/private/ng1.key"
  }
}

webserver {
  server   = "s1"
  port     = 8000
  tls_port = 9443
  publish  = ["8080:8000"]
  hosts_on = ["s2"]
  app "minio.example.test" { upstream = "100.64.10.2:9000" }
  app "chat.example.test" {
    upstream = "chat:8065"
    tls { names = ["chat.example.test", "198.51.100.1"] }
  }
}

vip {
  address         = "${local.vip}/24"
  servers         = ["s1", "s2"]
  priorities      = { s2 = 200 }
  track           = "/usr/bin/pgrep -x haproxy"
  advert_interval = "250ms"
}

vip {
  name      = "v2"
  address   = "198.51.100.101"
  servers   = ["s2", "s1"]
  multicast = true
}

database "mariadb" {
  server = "s1"
  name   = "wordpress"
}

database "postgresql" {
  server   = "s2"
  name     = "discourse"
  user     = "disc"
  password = "s3cret"
  allow    = "198.51.100.0/24"
}

# One nginx web server on s1 publishing three apps by host name (the
# seed's addws, pubapp, delapp and addhosts). The apps are whatever
# listens on their upstreams; the lab suite starts busybox httpd.

server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24" # nginx listens on its bridge address
  dhcp    = false
}

server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }

# web-s1-80: ports 80 and 443 of s1's address lead to it, and s2 and s3
# find every app at s1 through /etc/hosts.
webserver {
  server   = "s1"
  publish  = ["80", "443"]
  hosts_on = ["s2", "s3"]

  app "minio.example.test" {
    upstream = "198.51.100.2:9000"
  }

  app "chat.example.test" {
    upstream = "198.51.100.3:8065"
    tls {} # self-signed, generated on s1
  }

  app "blog.example.test" {
    upstream = "198.51.100.2:8080"
    tls {}
  }
}

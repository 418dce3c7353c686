# One nginx web server on s1 publishing three apps by host name (the
# seed's addws, pubapp, delapp and addhosts). The apps are part of the
# playbook (busybox httpd on each upstream, a page naming the app), so it
# applies and verifies on a fresh lab alone.

server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24" # nginx listens on its bridge address
  dhcp    = false
}

server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }

# The apps: minio and blog on s2, chat on s3.
locals {
  apps = {
    minio = { server = "s2", listen = "198.51.100.2:9000" }
    blog  = { server = "s2", listen = "198.51.100.2:8080" }
    chat  = { server = "s3", listen = "198.51.100.3:8065" }
  }
}

file "app_page" {
  for_each = local.apps
  servers  = [each.value.server]
  path     = "/var/lib/apps/${each.key}/index.html"
  content  = "app ${each.key}\n"
}

service "app" {
  for_each = local.apps
  servers  = [each.value.server]
  name     = "app-${each.key}"
  command  = "busybox httpd -f -p ${each.value.listen} -h /var/lib/apps/${each.key}"
  watch    = [file.app_page]
}

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

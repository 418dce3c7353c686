# A package, the service it brings, and a handler: nginx-light installed
# (apt or dnf, from the host), its configuration rendered from a template
# and validated with `nginx -t` before it replaces the old one, and nginx
# reloaded whenever that configuration changes. Next to it, a daemon drover
# runs itself (a small HTTP API), restarted when its content changes.
#
# Try: drover lab up; drover apply; curl http://198.51.100.1:8080/; change
# greeting below and apply again: one file and one reload are planned.

server "s1" {
  address = "198.51.100.1"
  labels  = { role = "web" }
}

server "s2" {
  address = "198.51.100.2"
  labels  = { role = "web" }
}

server "s3" {
  address = "198.51.100.3"
  labels  = { role = "client" }
}

variable "greeting" {
  default = "hello"
}

package "nginx" {
  name  = "nginx-light"
  where = { role = "web" }
}

template "nginx_conf" {
  path     = "/etc/nginx/nginx.conf"
  source   = "templates/nginx.conf.tmpl"
  vars     = { greeting = var.greeting }
  validate = "nginx -t -q -c {}"
  where    = { role = "web" }
  notify   = [service.nginx]
  depends_on = [package.nginx]
}

service "nginx" {
  state   = "started"
  enabled = true
  reload  = "reload"
  pidfile = "/run/nginx.pid"
  where   = { role = "web" }
}

directory "api" {
  path  = "/var/lib/api"
  where = { role = "web" }
}

file "api_index" {
  path       = "/var/lib/api/index.html"
  content    = "${var.greeting} from the api\n"
  where      = { role = "web" }
  depends_on = [directory.api]
}

service "api" {
  command = "busybox httpd -f -p 8081 -h /var/lib/api"
  watch   = [file.api_index]
  where   = { role = "web" }
}

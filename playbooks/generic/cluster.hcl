# The everyday playbook: 20 host resources on each of three servers
# (directories, lines in a config file, a templated file listing all
# servers, plain files, a symlink, a sysctl with its drop-in, a group, a
# user and a guarded command). The benchmark (issue 6) applies it next to
# the equivalent Ansible playbook in ansible/site.yml.
#
# Paths stay under /etc and /var/lib, which every lab host keeps private.

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
  labels  = { role = "db" }
}

variable "settings" {
  description = "key = value lines of the application's config file"
  default = {
    listen    = "0.0.0.0:8080"
    workers   = "4"
    log_level = "info"
    data_dir  = "/var/lib/bench/data"
    cache_mb  = "64"
    timeout_s = "30"
  }
}

# 1-3: the application's folders.
directory "bench" {
  for_each = ["/var/lib/bench", "/var/lib/bench/data", "/etc/bench"]
  path     = each.value
  mode     = "0755"
}

# 4-9: one line per setting in the config file (kept if edited elsewhere).
line "setting" {
  for_each   = var.settings
  path       = "/etc/bench/app.conf"
  regexp     = "^${each.key} *="
  line       = "${each.key} = ${each.value}"
  depends_on = [directory.bench]
}

# 10: every server of the cluster, rendered from a template.
template "servers" {
  path       = "/etc/bench/servers"
  source     = "templates/servers.tmpl"
  vars       = { domain = "bench.lab" }
  depends_on = [directory.bench]
}

# 11-14: plain files, one of them from a file next to this one.
file "data" {
  for_each   = { a = "alpha", b = "bravo", c = "charlie" }
  path       = "/var/lib/bench/data/${each.key}.txt"
  content    = "${each.value}\n"
  mode       = "0640"
  depends_on = [directory.bench]
}

file "motd" {
  path   = "/etc/bench/motd"
  source = "files/motd"
}

# 15: the current config, by symlink.
symlink "current" {
  path   = "/var/lib/bench/current"
  target = "/etc/bench"
}

# 16-17: a kernel setting, applied now and kept in /etc/sysctl.d.
sysctl "forwarding" {
  key   = "net.ipv4.ip_forward"
  value = "1"
}

# 18-19: a group and a system user in it.
group "bench" {
  system = true
}

user "bench" {
  group       = "bench"
  home        = "/var/lib/bench"
  shell       = "/usr/sbin/nologin"
  system      = true
  create_home = false
  depends_on  = [group.bench, directory.bench]
}

# 20: the rare imperative step, run once (creates) and undone on removal.
command "initialise" {
  command    = "date -u +%FT%TZ > /var/lib/bench/data/.initialised"
  creates    = "/var/lib/bench/data/.initialised"
  undo       = "rm -f /var/lib/bench/data/.initialised"
  depends_on = [directory.bench]
}

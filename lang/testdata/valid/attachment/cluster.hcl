server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}

server "s2" {
  address = "198.51.100.2"
}

network "vxlan" "vx1" {
  subnet  = "100.64.10.0/24"
  servers = ["s1", "s2"]
}

network "bridge" "lan" {
  servers = ["s2"]
}

attachment "web1" {
  server  = "s1"
  network = "vx1"
  address = "100.64.10.50/24"
  gateway = "100.64.10.1"
}

attachment "web2" {
  server  = "s2"
  network = network.vx1.name
  dhcp    = true
}

attachment "c1" {
  server  = "s1"
  address = "100.65.1.20/24"
}

attachment "lan1" {
  server  = "s2"
  network = "lan"
  address = "198.51.100.60/24"
}

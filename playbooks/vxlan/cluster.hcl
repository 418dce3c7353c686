# Three servers joined by one VXLAN overlay (unicast, head-end replication).
# Each server also gets its own container subnet on bridge cbr0.

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

# A floating address over s1 and s2 (the seed's addvip): keepalived on
# both, VRRP unicast between them, s1 (priority 150) holds it while it is
# up and s2 (140) takes over within a second when s1 goes away.

server "s1" { address = "198.51.100.1" }
server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }

# vip-198-51-100-100
vip {
  address         = "198.51.100.100/24"
  servers         = ["s1", "s2"]
  advert_interval = "250ms"
}

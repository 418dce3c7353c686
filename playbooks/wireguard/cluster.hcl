# Three servers whose container subnets are joined by an encrypted
# WireGuard network, hub-and-spoke as in the seed: s1 is the main server
# (createnetwork wirex wireguard; addnetwork wirex server s1), s2 and s3
# are clients (addnetwork wirex client s2 s3), and every server shares its
# container subnet (addnetwork wirex subnet s1:...). Private keys are made
# on each server and never leave it. For a full mesh, drop topology/hub.

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

network "wireguard" "wirex" {
  subnet   = "100.64.20.0/24" # tunnel addresses: s1 is 100.64.20.1, ...
  topology = "hub"
  hub      = "s1"
  servers  = ["s1", "s2", "s3"]
  # interface = "wg0", port = 51820, keepalive = 25, mtu = 1420 (defaults)
  # rotate_keys = 1      # raise to make every member a new key pair
}

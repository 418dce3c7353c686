# An encrypted layer-2 network across servers that may sit in different
# clouds (the seed's PeerVPN network: createnetwork vpx l2; addnetwork vpx
# s1 s2 s3). Containers attached to bridge vpl0 on any server share the
# subnet 100.64.30.0/24. Underneath: a WireGuard full mesh (interface
# peer0, addresses from tunnel_subnet) carrying VXLAN, so frames between
# servers are always encrypted.

server "s1" {
  address = "198.51.100.1"
}

server "s2" {
  address = "198.51.100.2"
}

server "s3" {
  address = "198.51.100.3"
}

network "l2vpn" "vpx" {
  subnet        = "100.64.30.0/24"   # vpl0 addresses: s1 is 100.64.30.1, ...
  tunnel_subnet = "100.127.255.0/24" # the WireGuard mesh underneath
  servers       = ["s1", "s2", "s3"]
  # A server behind NAT or in another cloud: member "s4" { endpoint = "203.0.113.4:51821" }
  # bridge = "vpl0", interface = "peer0", port = 51821, vni = 1 (defaults)
}

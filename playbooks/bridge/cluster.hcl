# Plain bridging (the seed's "other options"): on each server a bridge br0
# over its physical interface, for networks the operator controls. The
# server's address and routes (the default route too) move from the
# interface to the bridge in one step, without dropping drover's own SSH
# session; containers attached to br0 sit on the servers' own subnet.
# Removing the network moves everything back.

server "s1" {
  address = "198.51.100.1"
}

server "s2" {
  address = "198.51.100.2"
}

server "s3" {
  address = "198.51.100.3"
}

network "bridge" "lan" {
  bridge  = "br0"
  servers = ["s1", "s2", "s3"] # "s1:eth1" names the interface; default: the one holding the address
}

# A redundant layer-2 mesh over GRE (seed: ovs-gre-mesh): four servers in a
# ring of gretap links, each server's bridge mesh0 running the kernel's
# 802.1D spanning tree, which blocks one port of the ring's loop and opens
# it again when a link fails (about max_age + 2 x forward_delay = 14 s).
# MTU = underlay MTU - 38 (outer IPv4 20 + GRE 4 + inner Ethernet 14).
# Every bridge has an address on the subnet derived from its server's
# (100.64.40.1 ... .4); attachments join mesh0 with addresses from it.
# The namespace lab's kernel has no GRE: there, plan fails naming the host
# and the missing kernel feature (the VM lab tier runs it: lab up -vm).

server "s1" {
  address = "198.51.100.1"
}

server "s2" {
  address = "198.51.100.2"
}

server "s3" {
  address = "198.51.100.3"
}

server "s4" {
  address = "198.51.100.4"
}

network "mesh" "ring" {
  bridge  = "mesh0"
  subnet  = "100.64.40.0/24"
  servers = ["s1", "s2", "s3", "s4"]
  # The seed's advice: not every server to every other one. A ring has
  # one loop; a full mesh (the default for up to three servers) has many.
  links = [["s1", "s2"], ["s2", "s3"], ["s3", "s4"], ["s4", "s1"]]
  root  = "s1" # the spanning tree's root bridge (priority 4096)
  # forward_delay = 4, hello_time = 1, max_age = 6 (seconds, the defaults)
}

# A GRE tunnel between two servers (seed: addtunnel gre s1 s2), with the
# endpoint addresses taken from a /30 pool and routes to the container
# subnet behind each end; MTU = underlay MTU - 24. The namespace lab's
# kernel has no GRE or IPIP: there, plan fails naming the host and the
# missing kernel feature (the real tunnel test runs on the VM lab tier).

server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
}

server "s2" {
  address = "198.51.100.2"
  subnet  = "100.65.2.0/24"
}

network "gre" "gre1" {
  pool    = "100.127.250.0/30" # s1 is 100.127.250.1, s2 .2
  servers = ["s1", "s2"]
  # member "s1" { underlay = "198.51.100.1" }  # the seed's -l/-r
  # member "s2" { subnets = ["100.66.2.0/24"] } # more routes behind s2
}

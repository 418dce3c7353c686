# Three servers whose container subnets are routed by BGP (bird2): every
# server peers with every other, announces its container subnet, and
# installs the others' in its kernel table (seed: createbgp bnet s1,
# addbgp bnet peer s2/s3, addbgp bnet network s1/s2/s3).

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

network "bgp" "bnet" {
  # One private ASN per server by default (65000 + last octet of its
  # address: s1 is AS 65001); set asn = 65000 for iBGP with one ASN.
  servers = ["s1", "s2"]

  member "s3" {
    announce = ["100.66.3.0/24"] # more than the container subnet
  }
}

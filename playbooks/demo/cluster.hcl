# The demo cluster: three servers, each with its own container subnet
# (the seed's setsubnet), joined by a unicast VXLAN layer-2 overlay with
# DHCP and DNS on s1 (the seed's createnetwork vx1 vxlan + addnetwork).
#
#   drover lab up playbooks/demo && drover apply playbooks/demo

variable "overlay" {
  type        = string
  default     = "100.64.0.0/16"
  description = "Where overlay and container subnets are carved from."
}

locals {
  servers = {
    s1 = "198.51.100.1"
    s2 = "198.51.100.2"
    s3 = "198.51.100.3"
  }
}

server "s1" {
  address = local.servers.s1
  subnet  = cidrsubnet("100.65.0.0/16", 8, 1)
  labels  = { role = "dhcp" }
}

server "s2" {
  address = local.servers.s2
  subnet  = cidrsubnet("100.65.0.0/16", 8, 2)
}

server "s3" {
  address = local.servers.s3
  subnet  = cidrsubnet("100.65.0.0/16", 8, 3)
}

network "vxlan" "vx1" {
  subnet    = cidrsubnet(var.overlay, 8, 10)
  servers   = ["s1", "s2", "s3"]
  dhcp_host = "s1"
  domain    = "vxapp"
}

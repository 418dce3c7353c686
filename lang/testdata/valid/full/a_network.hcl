# The network comes first in file order but refers to things declared later.
network "vxlan" "vx1" {
  subnet     = local.vx_subnet
  bridge     = "vxl0"
  vni        = 42
  port       = 4789
  group      = "239.1.1.1"
  mtu        = 1450
  dhcp       = true
  dhcp_host  = "s1"
  domain     = "vxapp"
  masquerade = true
  servers    = ["s1", "s2:eth1", server.s3.name, "local"]
  member "s4" {
    interface = "eth1"
    address   = "100.64.10.40"
  }
}

network "vxlan" "vx2" {
  subnet  = cidrsubnet(var.base, 8, 11)
  bridge  = "vxl1"
  vni     = network.vx1.vni + 1
  servers = [for s in ["s1", "s2"] : server[s].name]
}

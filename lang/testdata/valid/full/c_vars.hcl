variable "base" {
  default     = "100.64.0.0/16"
  type        = string
  description = "overlay range"
}

locals {
  vx_subnet = cidrsubnet(var.base, 8, 10)
  subnets   = [for i in range(1, 4) : "100.65.${i}.0/24"]
}

ssh {
  user               = "root"
  port               = 22
  identity_file      = "~/.ssh/id_ed25519"
  agent              = true
  known_hosts        = "~/.ssh/known_hosts"
  trust_on_first_use = false
  jump               = "admin@203.0.113.9:22"
  become             = true
  timeout            = "15s"
}

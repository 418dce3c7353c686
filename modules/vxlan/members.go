package vxlan

// MemberServers are the names of the network's member servers, in
// declaration order: the servers whose facts each member's desired state
// reads (modules.FactScope).
func (v *Network) MemberServers() []string {
	out := make([]string, len(v.Members))
	for i, m := range v.Members {
		out[i] = m.Server
	}
	return out
}

package lang

// DNSForwarder is a registered kind's declaration that has every drover
// dnsmasq forward a DNS domain elsewhere (Consul's .consul domain to the
// local Consul agent).
type DNSForwarder interface {
	// DNSForwards are dnsmasq `server=` values ("/consul/127.0.0.1#8600"),
	// none while the declaration is not in effect.
	DNSForwards(c *Cluster) []string
}

// DNSForwards are the dnsmasq `server=` values every drover dnsmasq
// carries: those of the declarations that forward a domain, else none.
func (c *Cluster) DNSForwards() []string {
	var out []string
	for _, d := range c.Decls {
		if f, ok := d.(DNSForwarder); ok {
			out = append(out, f.DNSForwards(c)...)
		}
	}
	return out
}

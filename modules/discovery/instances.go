package discovery

import (
	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job"
)

// Instance is one running copy of a container or job instance that
// offers services, or that takes its address from its server's slice:
// where it runs and at which address.
type Instance struct {
	Owner  string // "container.NAME" or "job.NAME"
	Server string
	Name   string
	// Address is the static address, or the DHCP lease (or slice
	// address) its server reported; "" while such an instance has not
	// been applied yet (AddressRef then names the output that will tell
	// it).
	Address string
	// DHCP says the address is learned after apply: a DHCP lease, or an
	// address from the server's slice (container.Slice).
	DHCP     bool
	Services []container.Service
}

// ResourceID is the instance's container resource on its server.
func (i Instance) ResourceID() string { return "container/" + i.Name }

// AddressRef is the reference (host.Resource.Refs) to the address the
// instance's container resource reports.
func (i Instance) AddressRef() string { return core.RefTo(i.Server, i.ResourceID(), "address") }

// Instances lists every container and job instance that has services
// (or a slice address), in
// declaration and instance order. facts give the servers jobs run on now
// and the DHCP leases; they may be nil (offline).
func Instances(c *lang.Cluster, facts map[string]*core.Facts) ([]Instance, error) {
	var out []Instance
	for _, k := range container.Containers(c) {
		if len(k.Interfaces) == 0 || len(k.Services) == 0 && !sliced(k.Runtime, k.Interfaces[0].Address) {
			continue
		}
		for _, s := range k.Servers {
			in := Instance{Owner: "container." + k.Name, Server: s, Name: k.Name, Services: k.Services,
				Address: k.Interfaces[0].Address}
			if in.Address == "" {
				in.DHCP, in.Address = true, lease(facts, s, in.ResourceID())
			}
			out = append(out, in)
		}
	}
	placed, err := job.Place(c, facts)
	if err != nil {
		return nil, err
	}
	for _, j := range job.Jobs(c) {
		base := container.Named(c, j.Container)
		services := ownServices(base, j.Services)
		if len(services) == 0 && (base == nil || !sliced(j.RuntimeOf(base), j.Addresses)) {
			continue
		}
		var addrs []string
		if j.Addresses != "" {
			addrs, _ = job.InstanceAddresses(j.Addresses, j.Count)
		}
		for i, s := range placed[j.Name] {
			in := Instance{Owner: "job." + j.Name, Server: s, Name: job.InstanceName(j.Name, i+1), Services: services}
			if i < len(addrs) {
				in.Address = addrs[i]
			} else {
				in.DHCP, in.Address = true, lease(facts, s, in.ResourceID())
			}
			out = append(out, in)
		}
	}
	return out, nil
}

// sliced says an instance under runtime whose address is static (""
// when none) takes its address from its server's slice: its name is
// published although it offers no service, as dnsmasq publishes an LXC
// container's DHCP lease by its host name.
func sliced(runtime, static string) bool {
	return static == "" && container.Runtimes()[container.RuntimeOf(runtime)].Slices
}

// lease is the address a server reports for a container resource.
func lease(facts map[string]*core.Facts, server, id string) string {
	if f := facts[server]; f != nil {
		return f.Outputs[id]["address"]
	}
	return ""
}

// ownServices are a base container's and a job's services, the job's
// replacing the base's of the same name.
func ownServices(base *container.Decl, own []container.Service) []container.Service {
	var out []container.Service
	seen := map[string]bool{}
	for _, s := range own {
		seen[s.Name] = true
	}
	if base != nil {
		for _, s := range base.Services {
			if !seen[s.Name] {
				out = append(out, s)
			}
		}
	}
	return append(out, own...)
}

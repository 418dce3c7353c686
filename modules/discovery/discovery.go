// Package discovery publishes the services of containers and jobs in DNS
// with no discovery daemon: every declaration's names go into one hosts
// file in blocks.HostsDir on every server that runs one of drover's dnsmasq
// instances (a server's container subnet, a vxlan network's DHCP host).
// dnsmasq watches that folder and answers NAME.<domain> on each of its
// networks: a service with several instances gets one A record per
// instance (clients rotate through them: round robin), and each instance
// is found by its own name too. Static addresses go into plain hosts
// files; DHCP instances into one rendered file per declaration whose
// addresses are the leases their servers report (host outputs), filled
// in during the apply that creates them.
package discovery

import (
	"fmt"
	"path"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/blocks"
	"github.com/drover/drover/modules/container"
	"github.com/drover/drover/modules/job"
)

// Record is one name and its addresses.
type Record struct {
	Name      string
	Addresses []string
}

// Expand returns, per server name, the hosts files of every container and
// job with static addresses.
func Expand(c *lang.Cluster, facts map[string]*core.Facts) map[string][]*blocks.Set {
	servers := dnsServers(c)
	out := map[string][]*blocks.Set{}
	publish := func(owner, file string, records []Record) {
		if len(records) == 0 {
			return
		}
		content := render(owner, records)
		for _, s := range servers {
			set := &blocks.Set{Owner: owner}
			p := path.Join(blocks.HostsDir, file)
			set.Add("file", p, map[string]string{"path": p, "content": content, "mode": "0644"}, "directory/"+blocks.HostsDir)
			out[s] = append(out[s], set)
		}
	}
	for _, k := range container.Containers(c) {
		publish("container."+k.Name, "container-"+k.Name, containerRecords(k))
	}
	for _, j := range job.Jobs(c) {
		publish("job."+j.Name, "job-"+j.Name, JobRecords(c, j))
	}
	dhcp := leased(c, facts)
	for _, owner := range dhcp.owners {
		for _, s := range servers {
			set := &blocks.Set{Owner: owner}
			addLeaseFile(set, s, owner, dhcp.byOwner[owner])
			out[s] = append(out[s], set)
		}
	}
	return out
}

// leasedInstances are the instances with DHCP addresses, by owner.
type leasedInstances struct {
	owners  []string
	byOwner map[string][]Instance
}

// leased are the job and container instances with services and
// DHCP addresses.
func leased(c *lang.Cluster, facts map[string]*core.Facts) leasedInstances {
	out := leasedInstances{byOwner: map[string][]Instance{}}
	all, err := Instances(c, facts)
	if err != nil {
		return out // the job module reports placement errors
	}
	for _, in := range all {
		if !in.DHCP {
			continue
		}
		if out.byOwner[in.Owner] == nil {
			out.owners = append(out.owners, in.Owner)
		}
		out.byOwner[in.Owner] = append(out.byOwner[in.Owner], in)
	}
	return out
}

// addLeaseFile publishes DHCP instances' names on DNS server server: a
// rendered hosts file whose addresses are the leases the instances'
// servers report, filled in during the apply for new instances.
func addLeaseFile(set *blocks.Set, server, owner string, instances []Instance) {
	p := path.Join(blocks.HostsDir, strings.Replace(owner, ".", "-", 1)+"-dhcp")
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by drover for %s (DHCP leases); changes here are overwritten.\n", owner)
	attrs := map[string]string{"path": p, "mode": "0644"}
	refs := map[string]string{}
	after := []string{"directory/" + blocks.HostsDir}
	for _, in := range instances {
		v := "${" + in.Name + "}"
		for _, svc := range in.Services {
			fmt.Fprintf(&b, "%s %s\n", v, svc.Name)
		}
		fmt.Fprintf(&b, "%s %s\n", v, in.Name)
		key := "var." + in.Name
		attrs[key] = in.Address
		if in.Address == "" {
			attrs[key], refs[key] = core.Unknown, in.AddressRef()
			after = append(after, dependency(server, in))
		}
	}
	attrs["template"] = b.String()
	set.Add("rendered", p, attrs, after...)
	if len(refs) > 0 {
		set.Resources[len(set.Resources)-1].Refs = refs
	}
}

// dependency is the After entry that orders a resource on server after
// the instance's container resource.
func dependency(server string, in Instance) string {
	if in.Server == server {
		return in.ResourceID()
	}
	return in.Server + ":" + in.ResourceID()
}

// JobRecords are a job's names: each service with every instance's
// address, and each instance.
func JobRecords(c *lang.Cluster, j *job.Decl) []Record {
	if j.Addresses == "" {
		return nil
	}
	addrs, err := job.InstanceAddresses(j.Addresses, j.Count)
	if err != nil || len(addrs) == 0 {
		return nil
	}
	var records []Record
	for _, s := range services(container.Named(c, j.Container), j.Services) {
		records = append(records, Record{Name: s, Addresses: addrs})
	}
	for i, a := range addrs {
		records = append(records, Record{Name: job.InstanceName(j.Name, i+1), Addresses: []string{a}})
	}
	return records
}

// containerRecords are a container's names, when it has a static address
// (it then runs on one server).
func containerRecords(k *container.Decl) []Record {
	addr := ""
	for _, i := range k.Interfaces {
		if i.Address != "" {
			addr = i.Address
			break
		}
	}
	if addr == "" || len(k.Servers) != 1 {
		return nil
	}
	var records []Record
	for _, s := range services(k, nil) {
		records = append(records, Record{Name: s, Addresses: []string{addr}})
	}
	return append(records, Record{Name: k.Name, Addresses: []string{addr}})
}

// services are the service names of a base container and a job, once
// each.
func services(base *container.Decl, own []container.Service) []string {
	var all []container.Service
	if base != nil {
		all = append(all, base.Services...)
	}
	all = append(all, own...)
	var names []string
	seen := map[string]bool{}
	for _, s := range all {
		if !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
		}
	}
	return names
}

// dnsServers are the servers running one of drover's dnsmasq instances.
func dnsServers(c *lang.Cluster) []string {
	want := map[string]bool{}
	for _, s := range c.Servers {
		if s.Subnet != "" && s.DHCP {
			want[s.Name] = true
		}
	}
	for _, n := range c.Networks {
		if d, ok := n.Spec.(lang.DHCPNetwork); ok {
			if host, on := d.DHCPServer(); on && host != "" {
				want[host] = true
			}
		}
	}
	var out []string
	for _, s := range c.Servers {
		if want[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

// render writes records as a hosts file.
func render(owner string, records []Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by drover for %s; changes here are overwritten.\n", owner)
	for _, r := range records {
		for _, a := range r.Addresses {
			fmt.Fprintf(&b, "%s %s\n", a, r.Name)
		}
	}
	return b.String()
}

package job

import (
	"context"
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules/container"
)

// Row is one instance of one job in `drover show jobs` (the seed's
// listjobs): where drover places it, where it runs, its version and
// health.
type Row struct {
	Job      string `json:"job"`
	Runtime  string `json:"runtime"`         // lxc, podman, docker
	Image    string `json:"image,omitempty"` // image, LXC template or rootfs tarball
	Instance string `json:"instance"`
	Server   string `json:"server"`            // where the placement puts it
	RunsOn   string `json:"runs_on,omitempty"` // where it runs now, "" = nowhere
	Address  string `json:"address,omitempty"`
	Version  string `json:"version,omitempty"` // running version
	Desired  string `json:"desired_version"`
	Health   string `json:"health"` // healthy, unhealthy, absent, unreachable
	Detail   string `json:"detail,omitempty"`
}

// ShowRows joins every job's placement with what the hosts report (facts)
// and each running instance's health check, asked on its host now.
func ShowRows(ctx context.Context, c *lang.Cluster, facts map[string]*core.Facts, query core.Query) ([]Row, error) {
	rows, err := placedRows(c, facts)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		liveHealth(ctx, &rows[i], c, query)
	}
	return rows, nil
}

// placedRows joins the placement with what the hosts report.
func placedRows(c *lang.Cluster, facts map[string]*core.Facts) ([]Row, error) {
	placed, err := Place(c, facts)
	if err != nil {
		return nil, err
	}
	running := Running(c, facts)
	var rows []Row
	for _, j := range Jobs(c) {
		var addrs []string
		if j.Addresses != "" {
			addrs, _ = InstanceAddresses(j.Addresses, j.Count)
		}
		desired, runtime, image := "", j.Runtime, ""
		if base := container.Named(c, j.Container); base != nil {
			desired, runtime, image = container.Version(base), j.RuntimeOf(base), ImageOf(base, j.RuntimeOf(base))
		}
		for i, server := range placed[j.Name] {
			row := Row{Job: j.Name, Runtime: runtime, Image: image, Instance: InstanceName(j.Name, i+1), Server: server, Desired: desired}
			if i < len(addrs) {
				row.Address = addrs[i]
			}
			for _, r := range running[j.Name] {
				if r.Name == row.Instance {
					row.RunsOn, row.Version = r.Server, r.Version
					if row.Address == "" { // a DHCP lease or slice address, learned after apply
						row.Address = r.Address
					}
				}
			}
			rows = append(rows, row)
		}
		rows = append(rows, leftovers(j, runtime, running[j.Name], len(placed[j.Name]))...)
	}
	return rows, nil
}

// ImageOf is what instances of base run under runtime: the image, else
// the LXC template or rootfs tarball.
func ImageOf(base *container.Decl, runtime string) string {
	switch {
	case container.Runtimes()[runtime].Images:
		return base.Image
	case base.Rootfs != "":
		return base.Rootfs
	}
	return base.Template
}

// leftovers are running instances beyond the job's count (an apply will
// remove them).
func leftovers(j *Decl, runtime string, running []RunningInstance, count int) []Row {
	var rows []Row
	for _, r := range running {
		if r.Index > count {
			rows = append(rows, Row{Job: j.Name, Runtime: runtime, Instance: r.Name, Server: "(removed)", RunsOn: r.Server,
				Address: r.Address, Version: r.Version})
		}
	}
	return rows
}

// liveHealth runs a running instance's container check on its host.
func liveHealth(ctx context.Context, r *Row, c *lang.Cluster, query core.Query) {
	if r.RunsOn == "" {
		r.Health = "absent"
		return
	}
	check := core.Check{Kind: "container", Attrs: map[string]string{"name": r.Instance, "check": healthCheck(c, r.Job)}}
	if r.Runtime != "" && r.Runtime != container.RuntimeLXC {
		check.Attrs["runtime"] = r.Runtime
	}
	results, err := query(ctx, r.RunsOn, []core.Check{check})
	switch {
	case err != nil || len(results) == 0:
		r.Health, r.Detail = "unreachable", fmt.Sprint(err)
	case results[0].OK:
		r.Health = "healthy"
	default:
		r.Health, r.Detail = "unhealthy", results[0].Detail
	}
}

func healthCheck(c *lang.Cluster, jobName string) string {
	for _, j := range Jobs(c) {
		if j.Name != jobName {
			continue
		}
		var services []container.Service
		if base := container.Named(c, j.Container); base != nil {
			services = append(services, base.Services...)
		}
		return container.HealthCheck(append(services, j.Services...))
	}
	return ""
}

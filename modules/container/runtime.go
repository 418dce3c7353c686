package container

import (
	"fmt"
	"maps"
	"slices"

	"github.com/drover/drover/lang"
)

// Container runtimes (a container's or job's `runtime`).
const (
	RuntimeLXC    = "lxc"
	RuntimePodman = "podman"
	RuntimeDocker = "docker"
)

// Runtime is what the modules know of a container runtime. The host side
// (runner/host/apps) has one driver per runtime, by the same name.
type Runtime struct {
	// Packages are the Debian packages a server needs to run it.
	Packages []string
	// Images says containers run an image (image, from a registry, a
	// rootfs tarball imported once per server or an image archive loaded
	// once per server); otherwise they are built from an LXC template or
	// a rootfs tarball.
	Images bool
	// DHCP says containers may take their address by DHCP; otherwise
	// every interface needs a static address.
	DHCP bool
	// Slices says the runtime addresses containers that declare no
	// address itself, from the server's slice of the network (Slice).
	Slices bool
}

// Runtimes are the runtimes by name: adding one is one entry here and
// one driver on the host side.
func Runtimes() map[string]Runtime {
	return map[string]Runtime{
		RuntimeLXC: {Packages: []string{"lxc", "rsync"}, DHCP: true},
		// Rootful and daemonless; runc, not crun (crun 1.8 refuses the
		// hybrid cgroup layout of a namespace lab host); the CNI plugins
		// are podman 4.3's network backend that drover configures.
		RuntimePodman: {Packages: []string{"podman", "runc", "conmon", "containernetworking-plugins",
			"golang-github-containers-common"}, Images: true, Slices: true},
		// apparmor: a recommendation of docker.io that drover's
		// --no-install-recommends would leave out, and without which
		// dockerd cannot start a container on Debian's kernel (AppArmor
		// on, no apparmor_parser for its profile).
		RuntimeDocker: {Packages: []string{"docker.io", "apparmor"}, Images: true, Slices: true},
	}
}

// RuntimeNames are the runtimes' names, sorted.
func RuntimeNames() []string { return slices.Sorted(maps.Keys(Runtimes())) }

// RuntimeOf is the runtime of a job or container setting: "" is LXC.
func RuntimeOf(name string) string {
	if name == "" {
		return RuntimeLXC
	}
	return name
}

// CheckRuntime reports an unknown runtime at attr; false when it is
// unknown.
func CheckRuntime(d *lang.BlockDecl, attr, name string) bool {
	if _, ok := Runtimes()[name]; ok || name == "" {
		return true
	}
	d.CheckOneOf(attr, name, RuntimeNames())
	return false
}

// imageSourceText explains where an image runtime's containers come from.
func imageSourceText(runtime string) string {
	return fmt.Sprintf("a %s container runs an image: write image = %q, and, where no registry is reachable, rootfs = %q (a root file system tarball, imported as that image once per server) or archive = %q (an image archive, `%s save`, loaded once per server)",
		runtime, "localhost/web:1", "/srv/images/web-rootfs.tar", "/srv/images/web.tar", runtime)
}

// CheckBase reports, at a job's runtime setting, a base container k that
// the job's runtime cannot run (an LXC template under an image runtime, no
// image); the base's own runtime is checked with the base.
func CheckBase(d *lang.BlockDecl, attr, runtime string, k *Decl) {
	if runtime == RuntimeOf(k.Runtime) || !Runtimes()[runtime].Images {
		if runtime != RuntimeOf(k.Runtime) && k.Image != "" {
			d.Problem(attr, "Container runs an image", fmt.Sprintf(
				"Container %q declares image %q, which LXC cannot run: remove runtime here to run it under %s.", k.Name, k.Image, RuntimeOf(k.Runtime)))
		}
		return
	}
	if k.Image == "" || k.Template != "" {
		d.Problem(attr, "Container has no image", fmt.Sprintf(
			"This job runs container %q under %s, but it declares no image: in container %q, %s.", k.Name, runtime, k.Name, imageSourceText(runtime)))
	}
}

// CheckSlices reports, at the block's label (or attr when not ""), a
// network too small to give every server it reaches a slice (Slice);
// false when it is.
func CheckSlices(d *lang.BlockDecl, attr string, c *lang.Cluster, network string, servers []string) bool {
	members := c.NetworkServers(network)
	for _, s := range servers {
		if _, _, ok := c.ContainerBridge(network, c.Server(s)); !ok || !slices.Contains(members, s) {
			continue // reported where the network or server is checked
		}
		if _, err := Slice(c, network, s); err != nil {
			detail := fmt.Sprintf("Containers without an address get one from their server's slice of the network, and %v. Widen the network's subnet, or give the containers static addresses (address, or a job's addresses).", err)
			if attr == "" {
				d.LabelProblem("Network too small to slice", detail)
			} else {
				d.Problem(attr, "Network too small to slice", detail)
			}
			return false
		}
	}
	return true
}

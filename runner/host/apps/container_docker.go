package apps

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"github.com/drover/drover/runner/host/services"
	"github.com/vishvananda/netlink"
)

// dockerDriver runs containers with Docker (runtime "docker"), through the
// docker CLI by argv (no shell):
//
//   - The daemon: /etc/docker/daemon.json gets drover's settings (see
//     dockerDaemonSettings; the file's other settings stay), written
//     through safefs, and docker.service is restarted only when they
//     changed. A dockerd that ran before with its defaults (Debian starts
//     it at install and at boot) left its iptables chains, a MASQUERADE
//     rule and a FORWARD policy of DROP behind: they are removed, so that
//     drover's nftables tables are what decides.
//   - Networks: one Docker bridge network per drover bridge a container
//     joins ("drover-BRIDGE": com.docker.network.bridge.name = the
//     existing bridge, the subnet of the interface's address, the
//     gateway, the bridge's MTU, no masquerade, and inhibit_ipv4 so that
//     Docker never touches the bridge's own addresses). Every container
//     address is drover's (static, claimed cluster-wide by validate), so
//     the network's --ip-range, Docker's own pool, is the server's one
//     address on the bridge: Docker hands out nothing itself. An
//     interface without a static address ("BRIDGE slice SLICE SUBNET
//     [GW]") gets one the driver picks in the server's slice (the
//     instance's current one, else the first free) and passes as --ip. A
//     network goes with the last container of drover's on it.
//   - Images: image names the image; rootfs is a root file system tarball
//     on the server (`docker import` as image), archive an image archive
//     (`docker load`); else it is pulled. Each is brought once per server
//     and removed with the last container of drover's that uses it.
//   - Containers: `docker create` with the instance as host name, the
//     first interface's network, static address (--ip) and the MAC
//     address derived from the instance's name (as LXC's), drover's
//     nameserver (--dns: Docker's embedded resolver forwards to it), the
//     memory limit and --restart unless-stopped; further interfaces by
//     `docker network connect --ip`; files (file:PATH) copied in with
//     `docker cp` from a tar stream. The attributes a container was built
//     with are kept in stateDir/NAME.json (drover's state, by descriptor).
type dockerDriver struct {
	run       func(stdin, name string, args ...string) (string, error)
	stateDir  string // /var/lib/drover/docker
	daemonCfg string // /etc/docker/daemon.json
	systemctl string // "" = the host has no systemd
	sysNet    string // /sys/class/net
	bridge    func(name string) (dockerBridge, error)
}

// dockerBridge is what the driver reads of a drover bridge.
type dockerBridge struct {
	MTU   int
	Addrs []netip.Prefix // its IPv4 addresses
}

func newDockerDriver(env host.Env) dockerDriver {
	systemctl := ""
	if env.Systemd {
		systemctl = env.Systemctl
		if systemctl == "" {
			systemctl = "systemctl"
		}
	}
	return dockerDriver{run: host.RunCommand, stateDir: "/var/lib/drover/docker", daemonCfg: "/etc/docker/daemon.json",
		systemctl: systemctl, sysNet: "/sys/class/net", bridge: readBridge}
}

// readBridge reads a bridge's MTU and IPv4 addresses.
func readBridge(name string) (dockerBridge, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return dockerBridge{}, fmt.Errorf("bridge %s: %w", name, err)
	}
	addrs, err := netlink.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return dockerBridge{}, fmt.Errorf("bridge %s: %w", name, err)
	}
	b := dockerBridge{MTU: l.Attrs().MTU}
	for _, a := range addrs {
		ip, _ := netip.AddrFromSlice(a.IP.To4())
		bits, _ := a.Mask.Size()
		b.Addrs = append(b.Addrs, netip.PrefixFrom(ip, bits))
	}
	return b, nil
}

// dockerDaemonSettings are the daemon.json settings drover enforces:
// Docker writes no iptables rule (no FORWARD DROP policy, no DOCKER
// chains), masquerades nothing and leaves ip_forward to drover; containers
// keep running while dockerd restarts; and there is no default docker0
// bridge (drover's containers are on drover's bridges).
var dockerDaemonSettings = map[string]any{
	"iptables":     false,
	"ip-masq":      false,
	"ip-forward":   false,
	"live-restore": true,
	"bridge":       "none",
}

// docker runs the docker CLI.
func (d dockerDriver) docker(stdin string, args ...string) (string, error) {
	return d.run(stdin, "docker", args...)
}

// isNoSuch reports an error of docker's saying that the object is not
// there.
func isNoSuch(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "No such") || strings.Contains(err.Error(), "not found"))
}

func (d dockerDriver) State(name string) (bool, bool, map[string]string, error) {
	out, err := d.docker("", "container", "inspect", "--format", "{{.State.Running}}", name)
	switch {
	case err != nil && strings.Contains(err.Error(), exec.ErrNotFound.Error()):
		return false, false, nil, nil // docker is not installed (yet)
	case isNoSuch(err):
		return false, false, nil, nil
	case err != nil:
		return false, false, nil, err
	}
	return true, strings.TrimSpace(out) == "true", d.readSpec(name), nil
}

func (d dockerDriver) Record(name string, spec map[string]string) error {
	return d.writeSpec(name, spec)
}

func (d dockerDriver) Build(name, instance string, spec map[string]string) error {
	ifaces, err := parseDockerIfaces(name, spec)
	if err != nil {
		return err
	}
	argv, err := dockerCommand(name, spec)
	if err != nil {
		return err
	}
	if err := d.ensureDaemon(); err != nil {
		return err
	}
	nets := make([]string, len(ifaces))
	for i, ifc := range ifaces {
		n, err := d.network(ifc)
		if err == nil {
			err = d.ensureNetwork(n)
		}
		if err == nil && ifc.Slice.IsValid() {
			ifaces[i].Addr, err = d.sliceAddress(instance, n.Name, ifc, n.Gateway)
		}
		if err != nil {
			return fmt.Errorf("container %s: %w", name, err)
		}
		nets[i] = n.Name
	}
	if err := d.ensureImage(spec); err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	if err := d.writeSpec(name, spec); err != nil {
		return err
	}
	args := createArgs(name, instance, spec, nets, ifaces, argv)
	if _, err := d.docker("", args...); err != nil {
		return err
	}
	for i := 1; i < len(ifaces); i++ {
		if _, err := d.docker("", "network", "connect", "--ip", ifaces[i].Addr.String(), nets[i], name); err != nil {
			return err
		}
	}
	return d.copyFiles(name, instance, spec)
}

// createArgs are the arguments of `docker create` for a container.
func createArgs(name, instance string, spec map[string]string, nets []string, ifaces []dockerIface, argv []string) []string {
	args := []string{"create", "--name", name, "--hostname", instance, "--label", "drover.instance=" + instance,
		"--restart", "unless-stopped", "--network", nets[0], "--ip", ifaces[0].Addr.String(),
		"--mac-address", stableMAC(instance, 0)}
	if ns := spec["nameserver"]; ns != "" {
		args = append(args, "--dns", ns)
	}
	if m := spec["memory"]; m != "" {
		args = append(args, "--memory", m)
	}
	args = append(args, spec["image"])
	return append(args, argv...)
}

// dockerCommand is the container's command as argv ("" = the image's).
func dockerCommand(name string, spec map[string]string) ([]string, error) {
	if spec["image"] == "" {
		return nil, fmt.Errorf("container %s: a docker container needs an image", name)
	}
	argv, err := services.SplitCommand(spec["command"])
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", name, err)
	}
	return argv, nil
}

// dockerIface is one interface of a container: its bridge, static
// address (or the server's slice the driver picks one from), subnet and
// gateway ("" = the bridge's own address).
type dockerIface struct {
	Bridge  string
	Addr    netip.Addr
	Slice   netip.Prefix
	Subnet  netip.Prefix
	Gateway netip.Addr
}

// parseDockerIfaces reads the net.N attributes ("BRIDGE CIDR [GATEWAY]").
// Docker containers take static addresses only: Docker's IPAM cannot
// know what other servers handed out.
func parseDockerIfaces(name string, spec map[string]string) ([]dockerIface, error) {
	var out []dockerIface
	for _, key := range netKeys(spec) {
		f := strings.Fields(spec[key])
		if len(f) < 2 {
			return nil, fmt.Errorf("container %s: %s = %q is not \"BRIDGE CIDR [GATEWAY]\"", name, key, spec[key])
		}
		if f[1] == "dhcp" {
			return nil, fmt.Errorf("container %s: %s has no address: a docker container's interfaces take static addresses or the server's slice (declare the interface's address, or the job's addresses)", name, key)
		}
		if f[1] == "slice" {
			ifc, err := parseSliceIface(name, key, spec[key], f)
			if err != nil {
				return nil, err
			}
			out = append(out, ifc)
			continue
		}
		p, err := netip.ParsePrefix(f[1])
		if err != nil || !p.Addr().Is4() {
			return nil, fmt.Errorf("container %s: %s = %q: %q is not an IPv4 address with prefix", name, key, spec[key], f[1])
		}
		ifc := dockerIface{Bridge: f[0], Addr: p.Addr(), Subnet: p.Masked()}
		if len(f) > 2 {
			if ifc.Gateway, err = netip.ParseAddr(f[2]); err != nil || !p.Masked().Contains(ifc.Gateway) {
				return nil, fmt.Errorf("container %s: %s = %q: gateway %q is not an address of %s", name, key, spec[key], f[2], p.Masked())
			}
		}
		out = append(out, ifc)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("container %s: a docker container needs an interface", name)
	}
	return out, nil
}

// parseSliceIface reads "BRIDGE slice SLICE SUBNET [GATEWAY]".
func parseSliceIface(name, key, v string, f []string) (dockerIface, error) {
	bad := fmt.Errorf("container %s: %s = %q is not \"BRIDGE slice SLICE SUBNET [GATEWAY]\"", name, key, v)
	if len(f) < 4 {
		return dockerIface{}, bad
	}
	slice, err1 := netip.ParsePrefix(f[2])
	subnet, err2 := netip.ParsePrefix(f[3])
	if err1 != nil || err2 != nil || !slice.Addr().Is4() || !subnet.Contains(slice.Addr()) {
		return dockerIface{}, bad
	}
	ifc := dockerIface{Bridge: f[0], Slice: slice.Masked(), Subnet: subnet.Masked()}
	if len(f) > 4 {
		gw, err := netip.ParseAddr(f[4])
		if err != nil || !ifc.Subnet.Contains(gw) {
			return dockerIface{}, bad
		}
		ifc.Gateway = gw
	}
	return ifc, nil
}

// sliceAddress picks the address of instance on network net from its
// server's slice: the one the instance has there already (a new version,
// built aside while the old one runs, keeps it), else the first one no
// container on net has or was given (not the subnet's first or last
// address, nor the gateway).
func (d dockerDriver) sliceAddress(instance, net string, ifc dockerIface, gateway netip.Addr) (netip.Addr, error) {
	if a, _ := d.addressOn(instance, net); a.IsValid() && ifc.Slice.Contains(a) {
		return a, nil
	}
	out, err := d.docker("", "ps", "--all", "--quiet", "--filter", "network="+net)
	if err != nil {
		return netip.Addr{}, err
	}
	used := map[netip.Addr]bool{gateway: true, ifc.Subnet.Addr(): true}
	for _, id := range strings.Fields(out) {
		if a, err := d.addressOn(id, net); err != nil {
			return netip.Addr{}, err
		} else if a.IsValid() {
			used[a] = true
		}
	}
	for a := ifc.Slice.Addr(); ifc.Slice.Contains(a); a = a.Next() {
		if !used[a] && ifc.Subnet.Contains(a.Next()) {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("network %s: every address of this server's slice %s is taken", net, ifc.Slice)
}

// addressOn is the address container name has (running) or was given
// (stopped) on network net; invalid when none or no such container.
func (d dockerDriver) addressOn(name, net string) (netip.Addr, error) {
	out, err := d.docker("", "container", "inspect", "--format", "{{json .NetworkSettings.Networks}}", name)
	if isNoSuch(err) {
		return netip.Addr{}, nil
	} else if err != nil {
		return netip.Addr{}, err
	}
	var nets map[string]struct {
		IPAddress  string
		IPAMConfig *struct{ IPv4Address string }
	}
	if err := json.Unmarshal([]byte(out), &nets); err != nil {
		return netip.Addr{}, fmt.Errorf("container %s: docker inspect: %w", name, err)
	}
	n := nets[net]
	a := n.IPAddress
	if a == "" && n.IPAMConfig != nil {
		a = n.IPAMConfig.IPv4Address
	}
	addr, _ := netip.ParseAddr(a)
	return addr, nil
}

// dockerNetwork is the Docker network of a drover bridge on this server.
type dockerNetwork struct {
	Name, Bridge    string
	Subnet, IPRange netip.Prefix
	Gateway         netip.Addr
	MTU             int
}

// createArgs are the arguments of `docker network create`; the label
// drover.config names the settings, so a changed one is seen.
func (n dockerNetwork) createArgs() []string {
	return []string{"network", "create", "--driver", "bridge",
		"--subnet", n.Subnet.String(), "--gateway", n.Gateway.String(), "--ip-range", n.IPRange.String(),
		"-o", "com.docker.network.bridge.name=" + n.Bridge,
		"-o", "com.docker.network.bridge.inhibit_ipv4=true",
		"-o", "com.docker.network.bridge.enable_ip_masquerade=false",
		"-o", "com.docker.network.driver.mtu=" + strconv.Itoa(n.MTU),
		"--label", "drover.bridge=" + n.Bridge, "--label", "drover.config=" + n.config(), n.Name}
}

func (n dockerNetwork) config() string {
	return fmt.Sprintf("%s,%s,%s,%d", n.Subnet, n.IPRange, n.Gateway, n.MTU)
}

// network is the Docker network ifc's bridge needs: the gateway is the
// declared one, else the bridge's own address in the subnet; the range
// is the bridge's own address (Docker allocates nothing itself).
func (d dockerDriver) network(ifc dockerIface) (dockerNetwork, error) {
	b, err := d.bridge(ifc.Bridge)
	if err != nil {
		return dockerNetwork{}, err
	}
	n := dockerNetwork{Name: "drover-" + ifc.Bridge, Bridge: ifc.Bridge, Subnet: ifc.Subnet, Gateway: ifc.Gateway, MTU: b.MTU}
	var own netip.Addr
	for _, a := range b.Addrs {
		if ifc.Subnet.Contains(a.Addr()) {
			own = a.Addr()
			break
		}
	}
	if !n.Gateway.IsValid() {
		n.Gateway = own
	}
	if !own.IsValid() {
		own = n.Gateway
	}
	if !own.IsValid() {
		return n, fmt.Errorf("bridge %s has no address in %s: declare the interface's gateway", ifc.Bridge, ifc.Subnet)
	}
	n.IPRange = netip.PrefixFrom(own, 32)
	return n, nil
}

// ensureNetwork creates (or recreates, when its settings changed) the
// Docker network n.
func (d dockerDriver) ensureNetwork(n dockerNetwork) error {
	out, err := d.docker("", "network", "inspect", "--format", `{{index .Labels "drover.config"}}`, n.Name)
	switch {
	case err == nil && strings.TrimSpace(out) == n.config():
		return nil
	case err == nil:
		if _, err := d.docker("", "network", "rm", n.Name); err != nil {
			return fmt.Errorf("network %s changed (%s, was %s) and cannot be replaced: %w", n.Name, n.config(), strings.TrimSpace(out), err)
		}
	case !isNoSuch(err):
		return err
	}
	_, err = d.docker("", n.createArgs()...)
	return err
}

// ensureImage brings the container's image to the server once: loaded
// from an archive, imported from a rootfs tarball or pulled; drover
// remembers it brought it.
func (d dockerDriver) ensureImage(spec map[string]string) error {
	ref := spec["image"]
	if _, err := d.docker("", "image", "inspect", "--format", "{{.Id}}", ref); err == nil {
		return nil
	} else if !isNoSuch(err) {
		return err
	}
	var err error
	switch {
	case spec["archive"] != "":
		var out string
		if out, err = d.docker("", "load", "--input", spec["archive"]); err == nil {
			if _, ierr := d.docker("", "image", "inspect", "--format", "{{.Id}}", ref); ierr != nil {
				err = fmt.Errorf("image archive %s does not hold image %s (it loaded: %s)", spec["archive"], ref, strings.TrimSpace(out))
			}
		}
	case spec["rootfs"] != "":
		_, err = d.docker("", "import", spec["rootfs"], ref)
	default:
		_, err = d.docker("", "pull", ref)
	}
	if err != nil {
		return err
	}
	return d.rememberImage(ref, true)
}

// copyFiles copies the container's file:PATH attributes into it
// ("{{name}}" was replaced by the modules) as one tar stream.
func (d dockerDriver) copyFiles(name, instance string, spec map[string]string) error {
	files := map[string]string{}
	for key, content := range spec {
		if p, ok := strings.CutPrefix(key, "file:"); ok {
			files[p] = content
		}
	}
	if len(files) == 0 {
		return nil
	}
	data, err := filesTar(files)
	if err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	_, err = d.docker(string(data), "cp", "-", name+":/")
	return err
}

// filesTar is a tar stream of files (absolute paths) with their parent
// directories, root-owned.
func filesTar(files map[string]string) ([]byte, error) {
	names := map[string]string{}
	dirs := map[string]bool{}
	for p, content := range files {
		clean := strings.TrimPrefix(filepath.Clean("/"+p), "/")
		if clean == "" {
			return nil, fmt.Errorf("file %q is not a path inside the container", p)
		}
		names[clean] = content
		for dir := filepath.Dir(clean); dir != "."; dir = filepath.Dir(dir) {
			dirs[dir] = true
		}
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, dir := range slices.Sorted(maps.Keys(dirs)) { // parents first
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755}); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		content := names[name]
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(content))}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, content); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (d dockerDriver) Start(name string) error {
	_, err := d.docker("", "start", name)
	return err
}

// Stop stops the container at once (-t 0): an application as PID 1
// (busybox httpd) ignores SIGTERM.
func (d dockerDriver) Stop(name string) error {
	exists, running, _, err := d.State(name)
	if err != nil || !exists || !running {
		return err
	}
	_, err = d.docker("", "stop", "--time", "0", name)
	return err
}

// Destroy removes the container and its record, then the networks and
// images drover made that no container uses any more.
func (d dockerDriver) Destroy(name string) error {
	exists, _, _, err := d.State(name)
	if err != nil {
		return err
	}
	if exists {
		if _, err := d.docker("", "rm", "--force", name); err != nil && !isNoSuch(err) {
			return err
		}
	}
	if err := d.removeSpec(name); err != nil {
		return err
	}
	if !exists {
		return nil
	}
	return errors.Join(d.pruneNetworks(), d.pruneImages())
}

// pruneNetworks removes drover's networks that no container is on.
func (d dockerDriver) pruneNetworks() error {
	out, err := d.docker("", "network", "ls", "--filter", "label=drover.bridge", "--format", "{{.Name}}")
	if err != nil {
		return err
	}
	for _, n := range strings.Fields(out) {
		users, err := d.docker("", "ps", "--all", "--quiet", "--filter", "network="+n)
		if err != nil {
			return err
		}
		if strings.TrimSpace(users) == "" {
			if _, err := d.docker("", "network", "rm", n); err != nil && !isNoSuch(err) {
				return err
			}
		}
	}
	return nil
}

// pruneImages removes the images drover brought that no container uses.
func (d dockerDriver) pruneImages() error {
	for _, ref := range d.images() {
		users, err := d.docker("", "ps", "--all", "--quiet", "--filter", "ancestor="+ref)
		if err != nil {
			return err
		}
		if strings.TrimSpace(users) != "" {
			continue
		}
		if _, err := d.docker("", "image", "rm", ref); err != nil && !isNoSuch(err) {
			return err
		}
		if err := d.rememberImage(ref, false); err != nil {
			return err
		}
	}
	return nil
}

// Rename renames a stopped container and its record.
func (d dockerDriver) Rename(from, to string) error {
	if _, err := d.docker("", "rename", from, to); err != nil {
		return err
	}
	spec := d.readSpec(from)
	if spec == nil {
		return nil
	}
	if err := d.writeSpec(to, spec); err != nil {
		return err
	}
	return d.removeSpec(from)
}

// Address is the container's address on its first interface's network.
func (d dockerDriver) Address(name string) (string, error) {
	out, err := d.docker("", "container", "inspect", "--format", "{{json .NetworkSettings.Networks}}", name)
	if err != nil {
		return "", err
	}
	var nets map[string]struct{ IPAddress string }
	if err := json.Unmarshal([]byte(out), &nets); err != nil {
		return "", fmt.Errorf("container %s: docker inspect: %w", name, err)
	}
	if spec := d.readSpec(name); spec != nil {
		if f := strings.Fields(spec["net.0"]); len(f) > 0 {
			return nets["drover-"+f[0]].IPAddress, nil
		}
	}
	names := make([]string, 0, len(nets))
	for n := range nets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if a := nets[n].IPAddress; a != "" {
			return a, nil
		}
	}
	return "", nil
}

// The driver's records, in drover's private state directory: NAME.json
// per container, and "images" (the images drover brought, one a line).

func (d dockerDriver) stateDirFD() (*safefs.Dir, error) {
	return safefs.PrivateDir(d.stateDir, 0o700)
}

func (d dockerDriver) writeSpec(name string, spec map[string]string) error {
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	dir, err := d.stateDirFD()
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.WriteFile(name+".json", data, host.RootFile(0o600))
}

func (d dockerDriver) readSpec(name string) map[string]string {
	dir, err := safefs.OpenDir(d.stateDir)
	if err != nil {
		return nil
	}
	defer dir.Close()
	data, _, err := dir.ReadFile(name + ".json")
	if err != nil {
		return nil
	}
	return decodeSpec(data)
}

func (d dockerDriver) removeSpec(name string) error {
	dir, err := safefs.OpenDir(d.stateDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	defer dir.Close()
	if err := dir.Remove(name + ".json"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// images are the images drover brought to this server.
func (d dockerDriver) images() []string {
	dir, err := safefs.OpenDir(d.stateDir)
	if err != nil {
		return nil
	}
	defer dir.Close()
	data, _, err := dir.ReadFile("images")
	if err != nil {
		return nil
	}
	return strings.Fields(string(data))
}

// rememberImage adds ref to (or, with add false, drops it from) the
// images drover brought; the file goes with the last one.
func (d dockerDriver) rememberImage(ref string, add bool) error {
	refs := slices.DeleteFunc(d.images(), func(r string) bool { return r == ref })
	if add {
		refs = append(refs, ref)
	}
	dir, err := d.stateDirFD()
	if err != nil {
		return err
	}
	defer dir.Close()
	if len(refs) == 0 {
		if err := dir.Remove("images"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	sort.Strings(refs)
	return dir.WriteFile("images", []byte(strings.Join(refs, "\n")+"\n"), host.RootFile(0o600))
}

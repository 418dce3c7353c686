package apps

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"github.com/vishvananda/netlink"
)

// lxcDriver runs containers with the LXC tools (lxc-create, lxc-start,
// lxc-stop, lxc-copy, lxc-destroy, lxc-info) under dir (/var/lib/lxc).
// Every container's first process is /drover-init, a script drover writes
// into the rootfs: it takes DHCP leases for the dhcp interfaces (busybox
// udhcpc), then execs the command, else /sbin/init. Containers have
// lxc.start.auto set, so the host's lxc-autostart brings them back after a
// reboot.
type lxcDriver struct {
	dir string
}

func newLXCDriver() lxcDriver { return lxcDriver{dir: "/var/lib/lxc"} }

func (d lxcDriver) path(name string) string { return filepath.Join(d.dir, name) }

func (d lxcDriver) State(name string) (bool, bool, map[string]string, error) {
	if _, err := os.Stat(filepath.Join(d.path(name), "config")); err != nil {
		return false, false, nil, nil
	}
	out, err := host.RunCommand("", "lxc-info", "-n", name, "-s", "-H")
	if err != nil {
		return true, false, nil, err
	}
	return true, strings.TrimSpace(out) == "RUNNING", readContainerSpec(d.path(name)), nil
}

func (d lxcDriver) Record(name string, spec map[string]string) error {
	return writeContainerSpec(d.path(name), spec)
}

func (d lxcDriver) Build(name, instance string, spec map[string]string) error {
	conf, err := lxcConfig(instance, spec)
	if err != nil {
		return err
	}
	if spec["rootfs"] != "" {
		err = d.buildFromTarball(name, spec["rootfs"], conf)
	} else {
		err = d.buildFromTemplate(name, spec["template"], conf)
	}
	if err != nil {
		return err
	}
	for _, key := range netKeys(spec) {
		if err := pinBridgeMAC(strings.Fields(spec[key])[0]); err != nil {
			return fmt.Errorf("container %s: %w", name, err)
		}
	}
	rootfs := filepath.Join(d.path(name), "rootfs")
	if err := prepareRootfs(rootfs, instance, spec); err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	return writeContainerSpec(d.path(name), spec)
}

// lxcConfDir holds the configs handed to lxc-create, in drover's own
// root-only state (not /tmp, where the path could be raced).
const lxcConfDir = "/var/lib/drover/lxc"

func (d lxcDriver) buildFromTemplate(name, template, conf string) error {
	dir, err := safefs.PrivateDir(lxcConfDir, 0o700)
	if err != nil {
		return err
	}
	defer dir.Close()
	file := "create-" + name + ".conf"
	if err := dir.WriteFile(file, []byte(conf), safefs.WriteOptions{Mode: 0o600, UID: -1, GID: -1}); err != nil {
		return err
	}
	defer dir.Remove(file)
	_, err = host.RunCommand("", "lxc-create", "-q", "-n", name, "-t", template, "-f", dir.Path()+"/"+file, "-l", "ERROR", "-o", "/dev/stderr")
	return err
}

func (d lxcDriver) buildFromTarball(name, tarball, conf string) error {
	if _, err := os.Stat(tarball); err != nil {
		return fmt.Errorf("container %s: rootfs tarball: %w", name, err)
	}
	rootfs := filepath.Join(d.path(name), "rootfs")
	if err := host.Mkdirs(rootfs, 0o755); err != nil {
		return err
	}
	if _, err := host.RunCommand("", "tar", "-xf", tarball, "-C", rootfs); err != nil {
		return err
	}
	base := strings.Join([]string{
		"lxc.rootfs.path = dir:" + rootfs,
		"lxc.autodev = 1",
		"lxc.pty.max = 1",
		"lxc.mount.auto = cgroup:mixed proc:mixed sys:ro",
		"lxc.cap.drop = sys_module mac_admin mac_override sys_time",
	}, "\n") + "\n"
	return host.WriteFileAtomic(filepath.Join(d.path(name), "config"), []byte(base+conf), host.RootFile(0o644))
}

// Start starts the container detached. lxc-start's monitor keeps the
// descriptors it inherits, so it gets none of drover's: its errors go to a
// log file that a failure quotes.
func (d lxcDriver) Start(name string) error {
	log := filepath.Join(d.path(name), "drover-start.log")
	safefs.Remove(log)
	cmd := exec.Command("lxc-start", "-n", name, "-l", "ERROR", "-o", log)
	if err := cmd.Run(); err != nil {
		out, _ := host.ReadFile(log)
		return host.CommandError(cmd, err, string(out))
	}
	return nil
}

func (d lxcDriver) Stop(name string) error {
	exists, running, _, err := d.State(name)
	if err != nil || !exists || !running {
		return err
	}
	// -k: an application as PID 1 (busybox httpd) ignores the halt signal.
	_, err = host.RunCommand("", "lxc-stop", "-n", name, "-k")
	return err
}

func (d lxcDriver) Destroy(name string) error {
	if _, err := os.Stat(filepath.Join(d.path(name), "config")); err != nil {
		return nil
	}
	d.Stop(name)
	_, err := host.RunCommand("", "lxc-destroy", "-n", name, "-f")
	return err
}

// Rename renames a stopped container: its folder, and the folder and
// name in its config (what lxc-copy -R does, without its 0.2 s).
func (d lxcDriver) Rename(from, to string) error {
	if _, err := os.Stat(d.path(to)); err == nil {
		return fmt.Errorf("rename container %s to %s: %s exists", from, to, d.path(to))
	}
	confPath := filepath.Join(d.path(from), "config")
	conf, err := host.ReadFile(confPath)
	if err != nil {
		return fmt.Errorf("rename container %s: %w", from, err)
	}
	text := strings.ReplaceAll(string(conf), d.path(from)+"/", d.path(to)+"/")
	if err := host.WriteFileAtomic(confPath, []byte(text), host.RootFile(0o644)); err != nil {
		return err
	}
	dir, err := safefs.OpenDir(d.dir)
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Rename(from, to)
}

func (d lxcDriver) Address(name string) (string, error) {
	out, err := host.RunCommand("", "lxc-info", "-n", name, "-i", "-H")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Fields(out) {
		if strings.Count(line, ".") == 3 {
			return line, nil
		}
	}
	return "", nil
}

// lxcConfig is the container's LXC configuration: name, autostart, init,
// one veth interface per net.N on its bridge (with the bridge's MTU) and
// the memory limit.
func lxcConfig(name string, spec map[string]string) (string, error) {
	lines := []string{
		"lxc.uts.name = " + name,
		"lxc.start.auto = 1",
		"lxc.init.cmd = /drover-init",
	}
	for i, key := range netKeys(spec) {
		f := strings.Fields(spec[key])
		if len(f) < 2 {
			return "", fmt.Errorf("container %s: %s = %q is not \"BRIDGE CIDR|dhcp [GATEWAY]\"", name, key, spec[key])
		}
		p := fmt.Sprintf("lxc.net.%d.", i)
		lines = append(lines, p+"type = veth", p+"link = "+f[0], p+"flags = up", p+fmt.Sprintf("name = eth%d", i),
			p+"hwaddr = "+stableMAC(name, i))
		if mtu, err := os.ReadFile("/sys/class/net/" + f[0] + "/mtu"); err == nil {
			lines = append(lines, p+"mtu = "+strings.TrimSpace(string(mtu)))
		} else {
			return "", fmt.Errorf("container %s: bridge %s of %s does not exist", name, f[0], key)
		}
		if f[1] != "dhcp" {
			lines = append(lines, p+"ipv4.address = "+f[1])
		}
		if len(f) > 2 {
			lines = append(lines, p+"ipv4.gateway = "+f[2])
		}
	}
	if m := spec["memory"]; m != "" {
		if isFile("/sys/fs/cgroup/cgroup.controllers") {
			lines = append(lines, "lxc.cgroup2.memory.max = "+m)
		} else {
			lines = append(lines, "lxc.cgroup.memory.limit_in_bytes = "+m)
		}
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// stableMAC is a locally administered MAC address derived from the
// container's name and interface number, so that a replaced container
// keeps its interfaces' addresses and neighbours' ARP entries stay right.
func stableMAC(name string, i int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/eth%d", name, i)))
	return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", sum[0], sum[1], sum[2], sum[3], sum[4])
}

// pinBridgeMAC sets a bridge's MAC address to the one it has, unless it
// was set already: a bridge otherwise takes the lowest MAC of its ports,
// and each container that comes or goes would change it under the
// neighbours' ARP entries (and break their traffic to the host for a
// while).
func pinBridgeMAC(bridge string) error {
	kind, err := os.ReadFile("/sys/class/net/" + bridge + "/addr_assign_type")
	if err != nil || strings.TrimSpace(string(kind)) == "3" { // NET_ADDR_SET
		return nil
	}
	l, err := netlink.LinkByName(bridge)
	if err != nil {
		return fmt.Errorf("bridge %s: %w", bridge, err)
	}
	if err := netlink.LinkSetHardwareAddr(l, l.Attrs().HardwareAddr); err != nil {
		return fmt.Errorf("pin the MAC address of bridge %s: %w", bridge, err)
	}
	return nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// prepareRootfs writes drover's init and DHCP scripts, the resolver and
// the declared files into a fresh rootfs, and takes udhcpc out of the
// busybox template's rcS (it would wipe static addresses).
func prepareRootfs(rootfs, name string, spec map[string]string) error {
	if data, err := readFromRootfs(rootfs, "/etc/init.d/rcS"); err == nil {
		var kept []string
		for _, line := range strings.Split(string(data), "\n") {
			if !strings.Contains(line, "udhcpc") {
				kept = append(kept, line)
			}
		}
		if err := writeIntoRootfs(rootfs, "/etc/init.d/rcS", strings.Join(kept, "\n")); err != nil {
			return err
		}
	}
	files := map[string]string{
		"/drover-init": initScript(name, spec),
		"/drover-dhcp": dhcpScript,
	}
	if ns := spec["nameserver"]; ns != "" {
		files["/etc/resolv.conf"] = "nameserver " + ns + "\n"
	}
	for key, content := range spec {
		if path, ok := strings.CutPrefix(key, "file:"); ok {
			files[path] = content
		}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := writeIntoRootfs(rootfs, p, files[p]); err != nil {
			return err
		}
	}
	return nil
}

// writeIntoRootfs writes path (relative to the container's root file
// system) without following any link inside the rootfs: the rootfs
// belongs to the container, and a link there must never redirect a write
// to the server's own files.
func writeIntoRootfs(rootfs, path, content string) error {
	clean := filepath.Clean("/" + path)
	dir, err := openInRootfs(rootfs, filepath.Dir(clean), true)
	if err != nil {
		return err
	}
	defer dir.Close()
	mode := uint32(0o644)
	if strings.HasPrefix(clean, "/drover-") || clean == "/etc/init.d/rcS" {
		mode = 0o755
	}
	return dir.WriteFile(filepath.Base(clean), []byte(content), host.RootFile(mode))
}

// readFromRootfs reads path of a container's root file system without
// following any link inside it.
func readFromRootfs(rootfs, path string) ([]byte, error) {
	clean := filepath.Clean("/" + path)
	dir, err := openInRootfs(rootfs, filepath.Dir(clean), false)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	data, _, err := dir.ReadFile(filepath.Base(clean))
	return data, err
}

func openInRootfs(rootfs, dir string, create bool) (*safefs.Dir, error) {
	root, err := safefs.OpenDir(rootfs)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Sub(strings.TrimPrefix(dir, "/"), create, 0o755)
}

func initScript(name string, spec map[string]string) string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# Written by drover: DHCP for the dhcp interfaces, then the container's program.\n")
	for i, key := range netKeys(spec) {
		f := strings.Fields(spec[key])
		switch {
		case len(f) >= 2 && f[1] == "dhcp":
			fmt.Fprintf(&b, "/bin/busybox udhcpc -i eth%d -q -n -t 30 -T 1 -x hostname:%s -s /drover-dhcp >/dev/null 2>&1\n", i, name)
		case len(f) >= 2:
			// Unsolicited ARP: neighbours forget a previous holder's MAC.
			fmt.Fprintf(&b, "/bin/busybox arping -q -U -c 1 -I eth%d %s >/dev/null 2>&1 &\n", i, strings.SplitN(f[1], "/", 2)[0])
		}
	}
	if cmd := spec["command"]; cmd != "" {
		b.WriteString("exec " + cmd + "\n")
	} else {
		b.WriteString("exec /sbin/init\n")
	}
	return b.String()
}

const dhcpScript = `#!/bin/sh
# Written by drover: udhcpc's script, addresses, default route and resolver.
case $1 in
bound|renew)
	/bin/busybox ip addr flush dev $interface
	/bin/busybox ip addr add $ip/$mask dev $interface
	[ -n "$router" ] && /bin/busybox ip route replace default via ${router%% *} dev $interface
	[ -n "$dns" ] && echo "nameserver ${dns%% *}" > /etc/resolv.conf
	;;
esac
exit 0
`

package apps

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// podmanDriver runs containers with podman (rootful, daemonless; conmon
// supervises each container), argv only, on a podman of drover's own: its
// containers.conf and storage.conf (in conf, handed to every podman
// command through CONTAINERS_CONF and CONTAINERS_STORAGE_CONF) keep its
// storage, run state and networks apart from any podman the server's
// owner runs, so drover removes exactly what it made. To look at it by
// hand: `CONTAINERS_CONF=/etc/drover/podman/containers.conf
// CONTAINERS_STORAGE_CONF=/etc/drover/podman/storage.conf podman ps`.
//
//   - Storage: overlay, or vfs where /var/lib is itself an overlay (the
//     namespace lab's hosts: overlay on overlay fails).
//   - Networks: the CNI backend with one conflist per drover bridge that
//     containers join (cni/drover-BRIDGE.conflist): the bridge plugin on
//     the existing bridge (isGateway false: the bridge keeps its own
//     address), the bridge's MTU, host-local IPAM on the subnet (the
//     containers' static addresses) or, for containers without one, on
//     the server's slice of it (drover-BRIDGE-slice, the address chosen
//     by the driver: sliceBook), and no ipMasq, firewall or portmap
//     plugin, so podman adds no NAT or filter rule: drover's nftables
//     rules stay the ones that decide.
//   - Images: the image is imported from a rootfs tarball (`podman
//     import`), loaded from an archive (`podman load`) or pulled, once per
//     server, and removed with the last container drover made from it.
//   - The attributes a container was built with are kept in
//     specs/NAME.json under state.
//
// When the last container goes, everything goes: storage, run state,
// configuration and the CNI cache directories podman leaves.
type podmanDriver struct {
	conf  string // /etc/drover/podman
	state string // /var/lib/drover-podman
	run   string // /run/drover-podman
}

func newPodmanDriver() podmanDriver {
	return podmanDriver{conf: "/etc/drover/podman", state: "/var/lib/drover-podman", run: "/run/drover-podman"}
}

// overlayfsMagic is statfs's f_type of an overlay file system.
const overlayfsMagic = 0x794c7630

// cniCache is where libcni keeps its results (podman 4.3 does not move
// it); drover removes the directories when they are empty.
var cniCache = []string{"/var/lib/cni/results", "/var/lib/cni"}

// blobCache is the blob information cache podman's image import and load
// keep at a fixed path; drover removes it (and the directories) when it
// made /var/lib/containers (marked by madeContainersDir in its state).
var blobCache = []string{"/var/lib/containers/cache/blob-info-cache-v1.boltdb", "/var/lib/containers/cache", "/var/lib/containers"}

const madeContainersDir = "made-var-lib-containers"

// podman runs podman with drover's configuration; stdin may be nil.
func (d podmanDriver) podman(stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("podman", args...)
	// TMPDIR: `podman cp -` leaves its copy of the archive there;
	// XDG_CONFIG_HOME: podman makes ~/.config/containers otherwise.
	cmd.Env = append(os.Environ(),
		"CONTAINERS_CONF="+path.Join(d.conf, "containers.conf"),
		"CONTAINERS_STORAGE_CONF="+path.Join(d.conf, "storage.conf"),
		"TMPDIR="+path.Join(d.run, "tmp"), "XDG_CONFIG_HOME="+path.Join(d.run, "config"))
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), host.CommandError(cmd, err, stderr.String())
	}
	return stdout.String(), nil
}

// configured reports whether drover's podman has a configuration (and so
// may hold containers).
func (d podmanDriver) configured() bool {
	_, err := os.Stat(path.Join(d.conf, "containers.conf"))
	return err == nil
}

func (d podmanDriver) State(name string) (bool, bool, map[string]string, error) {
	if !d.configured() {
		return false, false, nil, nil
	}
	if _, err := exec.LookPath("podman"); err != nil {
		return false, false, nil, nil
	}
	out, err := d.podman(nil, "container", "inspect", "--format", "{{.State.Running}}", name)
	if err != nil {
		if _, xerr := d.podman(nil, "container", "exists", name); xerr != nil {
			return false, false, nil, nil // no such container
		}
		return true, false, nil, err
	}
	return true, strings.TrimSpace(out) == "true", d.readSpec(name), nil
}

func (d podmanDriver) specPath(name string) string {
	return path.Join(d.state, "specs", name+".json")
}

func (d podmanDriver) readSpec(name string) map[string]string {
	data, err := host.ReadFile(d.specPath(name))
	if err != nil {
		return nil
	}
	return decodeSpec(data)
}

func (d podmanDriver) Record(name string, spec map[string]string) error {
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return host.WriteFileAtomic(d.specPath(name), data, host.RootFile(0o600))
}

// Build creates the container from its image on drover's networks, with
// its files copied in, stopped.
func (d podmanDriver) Build(name, instance string, spec map[string]string) error {
	if err := d.configure(); err != nil {
		return fmt.Errorf("container %s: podman configuration: %w", name, err)
	}
	if err := d.ensureImage(spec); err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	args := []string{"create", "--name", name, "--hostname", instance, "--label", "drover.instance=" + instance}
	nets, sliced, err := d.networks(instance, spec)
	if err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	for _, key := range netKeys(spec) {
		if err := pinBridgeMAC(strings.Fields(spec[key])[0]); err != nil {
			return fmt.Errorf("container %s: %w", name, err)
		}
	}
	args = append(args, nets...)
	if ns := spec["nameserver"]; ns != "" {
		args = append(args, "--dns", ns)
	}
	if m := spec["memory"]; m != "" {
		args = append(args, "--memory", strings.ToLower(m))
	}
	args = append(args, spec["image"])
	args = append(args, strings.Fields(spec["command"])...)
	if _, err := d.podman(nil, args...); err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	if err := d.slices().record(name, instance, sliced); err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	if files := containerFiles(spec); len(files) > 0 {
		archive, err := tarOf(files)
		if err != nil {
			return fmt.Errorf("container %s: %w", name, err)
		}
		_, err = d.podman(archive, "cp", "-", name+":/")
		if cerr := d.clearTmp(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("container %s: files: %w", name, err)
		}
	}
	return d.Record(name, spec)
}

// networks are the --network options of the container's interfaces (in
// order: eth0, eth1, ...), each on drover's network for its bridge with
// its static address, or its address from the server's slice (sliced:
// "net.N" -> the address chosen, kept by slices()), and a MAC derived
// from the instance's name.
func (d podmanDriver) networks(instance string, spec map[string]string) ([]string, map[string]string, error) {
	var args []string
	sliced := map[string]string{}
	for i, key := range netKeys(spec) {
		net, addr, err := d.network(instance, key, spec[key])
		if err != nil {
			return nil, nil, err
		}
		if _, ok, _ := parseSliceNet(spec[key]); ok {
			sliced[key] = addr.String()
		}
		args = append(args, "--network", fmt.Sprintf("%s:ip=%s,mac=%s", net, addr, stableMAC(instance, i)))
	}
	if len(args) == 0 {
		args = []string{"--network", "none"}
	}
	return args, sliced, nil
}

// network is drover's network for interface key ("net.N" = v) and the
// address the instance has there: its static one, or one of its slice.
func (d podmanDriver) network(instance, key, v string) (string, netip.Addr, error) {
	sn, sliced, err := parseSliceNet(v)
	if err != nil {
		return "", netip.Addr{}, fmt.Errorf("%s: %w", key, err)
	}
	if sliced {
		addr, err := d.slices().choose(instance, key, sn.Slice)
		if err != nil {
			return "", netip.Addr{}, fmt.Errorf("%s: %w", key, err)
		}
		net, err := d.ensureNetwork(sn.Bridge, sn.Subnet, sn.Gateway, sn.Slice)
		return net, addr, err
	}
	f := strings.Fields(v)
	if len(f) < 2 || f[1] == "dhcp" {
		return "", netip.Addr{}, fmt.Errorf("%s = %q: podman containers need a static address or a slice (\"BRIDGE CIDR [GATEWAY]\", \"BRIDGE slice SLICE SUBNET [GATEWAY]\")", key, v)
	}
	p, err := netip.ParsePrefix(f[1])
	if err != nil {
		return "", netip.Addr{}, fmt.Errorf("%s = %q: %w", key, v, err)
	}
	gw := ""
	if len(f) > 2 {
		gw = f[2]
	}
	net, err := d.ensureNetwork(f[0], p.Masked(), gw, netip.Prefix{})
	return net, p.Addr(), err
}

// slices keeps the addresses containers hold in their servers' slices.
func (d podmanDriver) slices() sliceBook { return sliceBook{dir: path.Join(d.state, "slices")} }

// configure writes drover's containers.conf and storage.conf and makes
// the directories they name.
func (d podmanDriver) configure() error {
	driver := "overlay"
	var st unix.Statfs_t
	if err := host.Mkdirs(d.state, 0o700); err != nil {
		return err
	}
	if err := unix.Statfs(d.state, &st); err == nil && st.Type == overlayfsMagic {
		driver = "vfs"
	}
	if _, err := os.Lstat(blobCache[len(blobCache)-1]); errors.Is(err, os.ErrNotExist) {
		if err := host.WriteFileAtomic(path.Join(d.state, madeContainersDir), nil, host.RootFile(0o600)); err != nil {
			return err
		}
	}
	for _, dir := range []string{path.Join(d.conf, "cni"), path.Join(d.state, "specs"), d.run, path.Join(d.run, "tmp"), path.Join(d.run, "config")} {
		if err := host.Mkdirs(dir, 0o700); err != nil {
			return err
		}
	}
	files := map[string]string{
		"containers.conf": fmt.Sprintf(`# Written by drover: the podman that runs drover's containers.
[containers]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "%[2]s/events.log"
runtime = "runc"
tmp_dir = "%[2]s/libpod"
static_dir = "%[3]s/storage/libpod"
volume_path = "%[3]s/volumes"

[network]
network_backend = "cni"
cni_plugin_dirs = ["/usr/lib/cni"]
network_config_dir = "%[1]s/cni"
default_network = "drover-none"
`, d.conf, d.run, d.state),
		"storage.conf": fmt.Sprintf(`# Written by drover: the storage of drover's podman.
[storage]
driver = %q
runroot = "%s/storage"
graphroot = "%s/storage"
`, driver, d.run, d.state),
	}
	for _, name := range []string{"containers.conf", "storage.conf"} {
		if err := writeIfChanged(path.Join(d.conf, name), files[name]); err != nil {
			return err
		}
	}
	return nil
}

// writeIfChanged writes a root-only file unless it already holds content.
func writeIfChanged(p, content string) error {
	if old, err := host.ReadFile(p); err == nil && string(old) == content {
		return nil
	}
	return host.WriteFileAtomic(p, []byte(content), host.RootFile(0o600))
}

// cniNetwork is drover's network for bridge: its name and conflist. With
// a slice, host-local's range is the slice ("drover-BRIDGE-slice": the
// containers of the slice); without, the whole subnet (containers with
// static addresses).
func (d podmanDriver) cniNetwork(bridge string, subnet netip.Prefix, gateway string, slice netip.Prefix) (string, []byte, error) {
	mtu, err := os.ReadFile("/sys/class/net/" + bridge + "/mtu")
	if err != nil {
		return "", nil, fmt.Errorf("bridge %s does not exist", bridge)
	}
	var n int
	fmt.Sscan(strings.TrimSpace(string(mtu)), &n)
	name := "drover-" + bridge
	rng := map[string]string{"subnet": subnet.String()}
	if slice.IsValid() {
		name += "-slice"
		rng["rangeStart"], rng["rangeEnd"] = slice.Addr().String(), lastOf(slice).String()
	}
	ipam := map[string]any{"type": "host-local", "dataDir": d.run + "/ipam", "ranges": [][]map[string]string{{rng}}}
	if gateway != "" {
		rng["gateway"] = gateway
		ipam["routes"] = []map[string]string{{"dst": "0.0.0.0/0"}}
	}
	conf := map[string]any{
		"cniVersion": "0.4.0",
		"name":       name,
		"plugins": []map[string]any{{
			"type": "bridge", "bridge": bridge, "isGateway": false, "ipMasq": false,
			"hairpinMode": false, "mtu": n, "ipam": ipam,
		}},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	return name, append(data, '\n'), err
}

// ensureNetwork writes drover's network for bridge, with subnet and
// gateway (the first container's: the containers on one bridge share
// its subnet), and slice (none: the static addresses' network).
func (d podmanDriver) ensureNetwork(bridge string, subnet netip.Prefix, gateway string, slice netip.Prefix) (string, error) {
	name, data, err := d.cniNetwork(bridge, subnet, gateway, slice)
	if err != nil {
		return "", err
	}
	return name, writeIfChanged(path.Join(d.conf, "cni", name+".conflist"), string(data))
}

// ensureImage makes sure the spec's image is in storage: imported from a
// rootfs tarball, loaded from an image archive, or pulled.
func (d podmanDriver) ensureImage(spec map[string]string) error {
	ref := spec["image"]
	if ref == "" {
		return errors.New("no image")
	}
	if _, err := d.podman(nil, "image", "exists", ref); err == nil {
		return nil
	}
	var err error
	switch {
	case spec["rootfs"] != "":
		_, err = d.podman(nil, "import", "--quiet", spec["rootfs"], ref)
	case spec["archive"] != "":
		if _, err = d.podman(nil, "load", "--quiet", "--input", spec["archive"]); err == nil {
			if _, xerr := d.podman(nil, "image", "exists", ref); xerr != nil {
				err = fmt.Errorf("image archive %s does not hold image %s", spec["archive"], ref)
			}
		}
	default:
		_, err = d.podman(nil, "pull", "--quiet", ref)
	}
	if err != nil {
		return fmt.Errorf("image %s: %w", ref, err)
	}
	return nil
}

func (d podmanDriver) Start(name string) error {
	_, err := d.podman(nil, "start", name)
	return err
}

func (d podmanDriver) Stop(name string) error {
	exists, running, _, err := d.State(name)
	if err != nil || !exists || !running {
		return err
	}
	// One second for the stop signal: an application as PID 1 (busybox
	// httpd) ignores SIGTERM and is killed then.
	_, err = d.podman(nil, "stop", "--time", "1", name)
	return err
}

// Destroy removes the container and its spec, then what no container
// uses any more (gc).
func (d podmanDriver) Destroy(name string) error {
	exists, _, _, err := d.State(name)
	if err != nil {
		return err
	}
	if exists {
		if _, err := d.podman(nil, "rm", "--force", "--time", "1", name); err != nil {
			return err
		}
	}
	if err := safefs.Remove(d.specPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := d.slices().remove(name); err != nil {
		return err
	}
	if !exists {
		return nil
	}
	return d.gc()
}

// gc removes images and networks no container uses; with no container
// left, drover's podman altogether.
func (d podmanDriver) gc() error {
	out, err := d.podman(nil, "ps", "--all", "--format", "{{.Image}} {{.Networks}}")
	if err != nil {
		return err
	}
	usedImages, usedNets := map[string]bool{}, map[string]bool{}
	lines := strings.Fields(strings.ReplaceAll(out, ",", " "))
	for _, w := range lines {
		usedImages[w], usedNets[w] = true, true
	}
	if len(lines) == 0 {
		return d.reset()
	}
	images, err := d.podman(nil, "images", "--format", "{{.Repository}}:{{.Tag}}")
	if err != nil {
		return err
	}
	for _, ref := range strings.Fields(images) {
		if !usedImages[ref] {
			if _, err := d.podman(nil, "rmi", ref); err != nil {
				return err
			}
		}
	}
	entries, _ := os.ReadDir(path.Join(d.conf, "cni"))
	for _, e := range entries {
		if net, ok := strings.CutSuffix(e.Name(), ".conflist"); ok && !usedNets[net] {
			if err := safefs.Remove(path.Join(d.conf, "cni", e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// reset removes drover's podman: its storage (`podman system reset`),
// run state, configuration and the CNI cache directories when empty.
// Its networks' conflists go first: `podman system reset` removes every
// network it knows, and removing a bridge network deletes the bridge
// itself, here the server's own (cbr0, a VXLAN's vxl0), which stays.
func (d podmanDriver) reset() error {
	if err := safefs.RemoveAll(path.Join(d.conf, "cni")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if _, err := d.podman(nil, "system", "reset", "--force"); err != nil {
		return err
	}
	_, err := os.Lstat(path.Join(d.state, madeContainersDir))
	madeBlobCache := err == nil
	for _, dir := range []string{d.state, d.run, d.conf} {
		if err := safefs.RemoveAll(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	for _, dir := range cniCache {
		unix.Rmdir(dir) // only when empty: the cache may be another CNI user's
	}
	if madeBlobCache {
		safefs.Remove(blobCache[0])
		for _, dir := range blobCache[1:] {
			unix.Rmdir(dir)
		}
	}
	return nil
}

// clearTmp empties podman's TMPDIR.
func (d podmanDriver) clearTmp() error {
	tmp := path.Join(d.run, "tmp")
	if err := safefs.RemoveAll(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return host.Mkdirs(tmp, 0o700)
}

// Rename renames a stopped container and its spec.
func (d podmanDriver) Rename(from, to string) error {
	if _, err := d.podman(nil, "rename", from, to); err != nil {
		return err
	}
	dir, err := safefs.OpenDir(path.Join(d.state, "specs"))
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := dir.Rename(from+".json", to+".json"); err != nil {
		return err
	}
	return d.slices().rename(from, to)
}

// Address is the container's first address: its static one, or the one
// it holds in its server's slice.
func (d podmanDriver) Address(name string) (string, error) {
	if a := staticAddress(d.readSpec(name)); a != "" {
		return a, nil
	}
	return d.slices().address(name), nil
}

// containerFiles are the spec's files by path (file:PATH attributes),
// and the resolver is left to podman (--dns).
func containerFiles(spec map[string]string) map[string]string {
	files := map[string]string{}
	for key, content := range spec {
		if p, ok := strings.CutPrefix(key, "file:"); ok {
			files[path.Clean("/"+p)] = content
		}
	}
	return files
}

// tarOf is a tar stream of files (root-owned, 0644, parents 0755), which
// `podman cp -` unpacks inside the container's root without following
// its links out of it.
func tarOf(files map[string]string) ([]byte, error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, p := range paths {
		for _, dir := range parents(p) {
			if dirs[dir] {
				continue
			}
			dirs[dir] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(dir, "/") + "/", Mode: 0o755}); err != nil {
				return nil, err
			}
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(p, "/"), Mode: 0o644, Size: int64(len(files[p]))}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(files[p])); err != nil {
			return nil, err
		}
	}
	err := tw.Close()
	return buf.Bytes(), err
}

// parents are the directories above p, outermost first ("/a/b/c" ->
// "/a", "/a/b").
func parents(p string) []string {
	var out []string
	for dir := path.Dir(p); dir != "/" && dir != "."; dir = path.Dir(dir) {
		out = append([]string{dir}, out...)
	}
	return out
}

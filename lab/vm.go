package lab

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
)

// The VM tier. UpVM builds the same lab as Up (outer namespace "drv-ID",
// bridge "labbr", gateways, keys, known_hosts, state.json) but each server
// is a qemu VM booting Debian's kernel and a Debian image with systemd (see
// vm_image.go) instead of a namespace sharing this machine's kernel: for
// kernel modules this kernel lacks (wireguard, ip_gre, ipip, ...) and for
// systemd. qemu runs in the outer namespace (so Down's sweep of the lab's
// namespaces ends it) with its NIC on a tap "t-NAME" enslaved to the
// bridge. Per VM, in STATE/vms/NAME:
//
//	disk.qcow2   copy-on-write layer over the cached image, new at each start
//	config.tar   read-only disk (serial drover-lab-config): host name, address,
//	             default route, sshd port, the stable host key, the lab's client
//	             key (vm-guest-config.sh applies it at boot)
//	console.log  the serial console; qemu.log qemu's own output
//	spec         what the running VM was started with (a changed one restarts it)
//
// Each VM gets its own machine-id (systemd.machine_id= on the kernel
// command line; clones of one image would otherwise share MAC addresses of
// bridges and VXLAN devices) and MAC address, both derived from the lab ID
// and the server name, so they are stable across restarts.

// VMOptions tune UpVM. The zero value is the default.
type VMOptions struct {
	// CacheDir holds the image (ImageCacheDir() when empty).
	CacheDir string
	// Rebuild rebuilds the image even when the cached one is current.
	Rebuild bool
	// MemoryMB is each VM's memory (default 512).
	MemoryMB int
	// Accel is "tcg" (software emulation) or "kvm"; empty means
	// $DROVER_LAB_ACCEL, else kvm where it can run a stock kernel.
	Accel string
	// BootTimeout bounds how long UpVM waits for every sshd (default
	// VMBootTimeout).
	BootTimeout time.Duration
}

// VMInfo is what state.json records of a VM lab.
type VMInfo struct {
	Image    Image  `json:"image"`
	Accel    string `json:"accel"`
	MemoryMB int    `json:"memory_mb"`
}

// VMBootTimeout is the default bound on a VM lab's boot: three VMs under
// software emulation on two cores take about a minute.
const VMBootTimeout = 5 * time.Minute

// Probing a booting VM's sshd (see State.sshPolling).
const (
	vmSSHPollInterval = 500 * time.Millisecond
	vmSSHProbeTimeout = 15 * time.Second
)

const (
	vmsDir         = "vms"
	defaultVMMemMB = 512
	qemuBinary     = "qemu-system-x86_64"
)

func (p labPaths) vms() string                 { return filepath.Join(p.dir, vmsDir) }
func (p labPaths) vm(name string) string       { return filepath.Join(p.vms(), name) }
func (p labPaths) vmMarker(name string) string { return "guest=" + p.hostNetns(name) }

func (o VMOptions) withDefaults() VMOptions {
	if o.CacheDir == "" {
		o.CacheDir = ImageCacheDir()
	}
	if o.MemoryMB == 0 {
		o.MemoryMB = defaultVMMemMB
	}
	if o.Accel == "" {
		o.Accel = detectAccel()
	}
	if o.BootTimeout == 0 {
		o.BootTimeout = VMBootTimeout
	}
	return o
}

// detectAccel is $DROVER_LAB_ACCEL, else "kvm" when /dev/kvm can be opened
// and is not the nested PVM variant (which cannot run a stock kernel: the
// kernel hangs in its decompressor), else "tcg".
func detectAccel() string {
	if a := os.Getenv("DROVER_LAB_ACCEL"); a != "" {
		return a
	}
	if _, err := os.Stat("/sys/module/kvm_pvm"); err == nil {
		return "tcg"
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return "tcg"
	}
	f.Close()
	return "kvm"
}

// UpVM builds the VM lab of servers in stateDir (building or reusing the
// image first), or brings an existing one in line: VMs that run with the
// same settings are left alone, VMs no longer declared are removed, and
// VMs whose address, port, keys, image or options changed are restarted
// (on a fresh disk). It returns when every VM's sshd answers and reports
// each boot time to log. A namespace lab of the same directory must be
// down first.
func UpVM(ctx context.Context, stateDir string, servers []Server, opts VMOptions, log io.Writer) (*State, error) {
	start := time.Now()
	log = orDiscard(log)
	p, servers, gws, err := prepare(stateDir, servers)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if err := checkVMOptions(opts); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(p.ssh(), 0o700); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	unlock, err := lockDir(p)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if hosts, _ := listNetns(p.hostNetnsPrefix()); len(hosts) > 0 {
		return nil, fmt.Errorf("lab: a namespace lab is up in %s (%s): drover lab down first", p.dir, strings.Join(hosts, ", "))
	}
	img, err := EnsureImage(ctx, opts.CacheDir, opts.Rebuild, log)
	if err != nil {
		return nil, err
	}
	if err := imageExists(img); err != nil {
		return nil, err
	}
	st := &State{
		ID: p.id, Dir: p.dir, Netns: p.outerNetns(), Bridge: bridgeName,
		IdentityFile: p.identity(), KnownHosts: p.knownHosts(), User: loginUser,
		VM: &VMInfo{Image: img, Accel: opts.Accel, MemoryMB: opts.MemoryMB},
	}
	for _, gw := range gws {
		st.Gateways = append(st.Gateways, gw.String())
	}
	if _, err := ensureNetns(st.Netns); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := ensureOuterNet(st.Netns, gws); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	started, err := upVMs(p, st, servers, gws, log)
	if err != nil {
		return nil, err
	}
	if err := st.waitSSH(ctx, opts.BootTimeout); err != nil {
		return st, err
	}
	for _, h := range st.Hosts {
		if t, ok := started[h.Name]; ok {
			fmt.Fprintf(log, "lab %s: VM %s (%s) answers on ssh %.1f s after start\n",
				st.Netns, h.Name, h.Address, h.readyAt.Sub(t).Seconds())
		}
	}
	fmt.Fprintf(log, "lab %s: %d VMs up (%d started, %s, image %s) in %s\n",
		st.Netns, len(st.Hosts), len(started), opts.Accel, img.Hash, time.Since(start).Round(time.Millisecond))
	return st, nil
}

// checkVMOptions checks the options and that qemu is installed.
func checkVMOptions(o VMOptions) error {
	if o.Accel != "tcg" && o.Accel != "kvm" {
		return fmt.Errorf("lab: accelerator %q: use tcg or kvm", o.Accel)
	}
	if o.MemoryMB < 128 {
		return fmt.Errorf("lab: VM memory %d MB is too small (at least 128)", o.MemoryMB)
	}
	if os.Geteuid() != 0 {
		return errors.New("lab: up -vm needs root (network namespaces, taps)")
	}
	for _, tool := range []string{qemuBinary, "qemu-img"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("lab: %s is not installed (make deps-vm installs what the VM lab needs)", tool)
		}
	}
	return nil
}

// upVMs removes the VMs that are not declared or not as declared, starts
// the missing ones, and records known_hosts and the state. It returns the
// start time of each VM it started.
func upVMs(p labPaths, st *State, servers []Server, gws []netip.Prefix, log io.Writer) (map[string]time.Time, error) {
	client, _, err := loadOrCreateKey(p.identity(), "drover-lab")
	if err != nil {
		return nil, err
	}
	running := vmProcs(p)
	declared := map[string]bool{}
	for _, s := range servers {
		declared[s.Name] = true
	}
	for name, pid := range running {
		if !declared[name] {
			if err := stopVM(p, st.Netns, name, pid); err != nil {
				return nil, err
			}
			fmt.Fprintf(log, "lab %s: VM %s removed (no longer declared)\n", st.Netns, name)
		}
	}
	keys := map[string]keyPair{}
	started := map[string]time.Time{}
	for _, s := range servers {
		v, err := newVM(p, st, s, gws, client)
		if err != nil {
			return nil, err
		}
		keys[s.Name] = v.hostKey
		hs := v.hostState()
		if pid := running[s.Name]; pid != 0 {
			if v.current() {
				hs.PID = pid
				st.Hosts = append(st.Hosts, hs)
				continue
			}
			if err := stopVM(p, st.Netns, s.Name, pid); err != nil {
				return nil, err
			}
			fmt.Fprintf(log, "lab %s: VM %s restarts (address, keys, image or options changed)\n", st.Netns, s.Name)
		}
		started[s.Name] = time.Now()
		if hs.PID, err = v.start(); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "lab %s: VM %s (%s) started, pid %d\n", st.Netns, s.Name, s.Address, hs.PID)
		st.Hosts = append(st.Hosts, hs)
	}
	if err := writeFileIfChanged(p.knownHosts(), knownHostsFile(st.Hosts, keys), 0o644); err != nil {
		return nil, err
	}
	return started, writeState(p.state(), st)
}

// vm is one server's VM as UpVM wants it.
type vm struct {
	p        labPaths
	outer    string
	server   Server
	dir      string
	tap      string
	image    Image
	hostKey  keyPair
	config   []byte // config.tar
	args     []string
	specHash string
}

func newVM(p labPaths, st *State, s Server, gws []netip.Prefix, client keyPair) (*vm, error) {
	key, _, err := loadOrCreateKey(p.hostKey(s.Name), "root@"+s.Name)
	if err != nil {
		return nil, err
	}
	gw, err := gatewayFor(s.Address, gws)
	if err != nil {
		return nil, fmt.Errorf("lab VM %s: %w", s.Name, err)
	}
	v := &vm{p: p, outer: st.Netns, server: s, dir: p.vm(s.Name), tap: tapName(s.Name), image: st.VM.Image, hostKey: key}
	v.config, err = vmConfigTar(s, gw, key, client)
	if err != nil {
		return nil, fmt.Errorf("lab VM %s: %w", s.Name, err)
	}
	v.args = qemuArgs(vmSpec{
		Marker: p.vmMarker(s.Name), Hostname: s.Name, Image: st.VM.Image,
		Disk: filepath.Join(v.dir, "disk.qcow2"), Config: filepath.Join(v.dir, "config.tar"),
		Console: filepath.Join(v.dir, "console.log"), Tap: v.tap,
		MAC: vmMAC(p.id, s.Name), MachineID: vmMachineID(p.id, s.Name),
		MemoryMB: st.VM.MemoryMB, Accel: st.VM.Accel,
	})
	sum := sha256.New()
	fmt.Fprintf(sum, "%q\n", v.args)
	sum.Write(v.config)
	v.specHash = hex.EncodeToString(sum.Sum(nil))
	return v, nil
}

func (v *vm) hostState() HostState {
	return HostState{
		Name: v.server.Name, Address: v.server.Address, Port: v.server.Port,
		Netns: v.outer, Veth: v.tap, Log: filepath.Join(v.dir, "console.log"),
	}
}

// current reports whether the running VM was started as v would start it.
func (v *vm) current() bool {
	have, err := os.ReadFile(filepath.Join(v.dir, "spec"))
	return err == nil && strings.TrimSpace(string(have)) == v.specHash
}

// start makes the tap, a fresh disk and the config disk, and starts qemu
// in the outer namespace, in a session of its own, logging to files (qemu
// blocks on a pipe nobody reads). It returns qemu's PID; while this process
// lives, a goroutine reaps qemu when it ends.
func (v *vm) start() (int, error) {
	name := v.server.Name
	if err := os.MkdirAll(v.dir, 0o755); err != nil {
		return 0, fmt.Errorf("lab VM %s: %w", name, err)
	}
	if err := ensureTap(v.outer, v.tap); err != nil {
		return 0, fmt.Errorf("lab VM %s: %w", name, err)
	}
	disk := filepath.Join(v.dir, "disk.qcow2")
	_ = os.Remove(disk)
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw",
		"-b", v.image.rootfs(), disk).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("lab VM %s: qemu-img create %s: %v: %s", name, disk, err, strings.TrimSpace(string(out)))
	}
	files := map[string][]byte{"config.tar": v.config, "console.log": nil}
	for f, data := range files {
		if err := os.WriteFile(filepath.Join(v.dir, f), data, 0o600); err != nil {
			return 0, fmt.Errorf("lab VM %s: %w", name, err)
		}
	}
	logf, err := os.OpenFile(filepath.Join(v.dir, "qemu.log"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, fmt.Errorf("lab VM %s: %w", name, err)
	}
	defer logf.Close()
	cmd := exec.Command(qemuBinary, v.args...)
	cmd.Env = hostEnv
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := inNetns(v.outer, cmd.Start); err != nil {
		return 0, fmt.Errorf("lab VM %s: start qemu: %w", name, err)
	}
	go cmd.Wait() //nolint:errcheck // only reaps; the VM's fate is checked through /proc
	if err := os.WriteFile(filepath.Join(v.dir, "spec"), []byte(v.specHash+"\n"), 0o644); err != nil {
		return 0, fmt.Errorf("lab VM %s: %w", name, err)
	}
	return cmd.Process.Pid, nil
}

// stopVM kills a VM's qemu, waits for it to end and removes its tap and
// files.
func stopVM(p labPaths, outer, name string, pid int) error {
	_ = syscall.Kill(pid, syscall.SIGKILL)
	deadline := time.Now().Add(killTimeout)
	for {
		if alive, _ := procStatus(pid); !alive {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lab VM %s: qemu (pid %d) still runs after SIGKILL", name, pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := deleteTap(outer, tapName(name)); err != nil {
		return fmt.Errorf("lab VM %s: %w", name, err)
	}
	return wrapErr(os.RemoveAll(p.vm(name)), "lab VM %s", name)
}

// vmProcs finds the lab's running VMs: qemu processes in the outer
// namespace whose -name carries the lab's marker. It maps server names to
// PIDs.
func vmProcs(p labPaths) map[string]int {
	procs := map[string]int{}
	ino, err := nsInode(netnsPath(p.outerNetns()))
	if err != nil {
		return procs
	}
	prefix := p.vmMarker("")
	for _, pr := range scanProcs(map[uint64]bool{ino: true}) {
		if name, ok := vmNameOf(pr.pid, prefix); ok {
			procs[name] = pr.pid
		}
	}
	return procs
}

// vmNameOf reads the server name from a qemu's "-name guest=PREFIXNAME".
func vmNameOf(pid int, prefix string) (string, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "", false
	}
	return guestName(strings.Split(strings.TrimRight(string(data), "\x00"), "\x00"), prefix)
}

// guestName reads the server name from qemu arguments "-name
// guest=PREFIXNAME[,...]".
func guestName(args []string, prefix string) (string, bool) {
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "-name" {
			continue
		}
		guest, _, _ := strings.Cut(args[i+1], ",")
		if name, ok := strings.CutPrefix(guest, prefix); ok && name != "" {
			return name, true
		}
	}
	return "", false
}

// isVM reports whether pid is the running qemu of the lab host h.
func (s *State) isVM(h HostState) bool {
	p := labPaths{dir: s.Dir, id: s.ID}
	name, ok := vmNameOf(h.PID, p.vmMarker(""))
	alive, _ := procStatus(h.PID)
	return ok && alive && name == h.Name
}

// vmSpec is what qemuArgs needs to know of one VM.
type vmSpec struct {
	Marker, Hostname    string
	Image               Image
	Disk, Config        string
	Console             string
	Tap, MAC, MachineID string
	MemoryMB            int
	Accel               string
}

// qemuArgs is the qemu command line of one VM: direct kernel boot of the
// image's kernel and initramfs, the overlay as root disk (serial
// drover-lab-root), the config disk, one virtio NIC on the tap, a virtio
// RNG (sshd and the helper need entropy early), the serial console into a
// file, no display, no default devices, and an exit on guest panic.
func qemuArgs(v vmSpec) []string {
	accel, cpu := "tcg,tb-size=256", "max"
	if v.Accel == "kvm" {
		accel, cpu = "kvm", "host"
	}
	cmdline := strings.Join([]string{
		"console=ttyS0", "rw", "quiet", "panic=1", "mitigations=off", "net.ifnames=0",
		"systemd.machine_id=" + v.MachineID, "systemd.hostname=" + v.Hostname,
	}, " ")
	return []string{
		"-name", v.Marker,
		"-accel", accel, "-cpu", cpu, "-m", strconv.Itoa(v.MemoryMB), "-smp", "1",
		"-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		"-serial", "file:" + v.Console,
		"-kernel", v.Image.vmlinuz(), "-initrd", v.Image.initrd(), "-append", cmdline,
		"-drive", "file=" + v.Disk + ",if=none,id=root,format=qcow2,cache=unsafe,discard=unmap",
		"-device", "virtio-blk-pci,drive=root,serial=drover-lab-root",
		"-drive", "file=" + v.Config + ",if=none,id=config,format=raw,readonly=on",
		"-device", "virtio-blk-pci,drive=config,serial=drover-lab-config",
		"-netdev", "tap,id=net0,ifname=" + v.Tap + ",script=no,downscript=no",
		"-device", "virtio-net-pci,netdev=net0,mac=" + v.MAC,
		"-device", "virtio-rng-pci",
	}
}

// vmMAC is a stable locally administered MAC address (qemu's 52:54:00
// prefix) for a VM of a lab.
func vmMAC(labID, name string) string {
	sum := sha256.Sum256([]byte("drover-lab-mac " + labID + " " + name))
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", sum[0], sum[1], sum[2])
}

// vmMachineID is a stable systemd machine-id (32 hex digits) for a VM of a
// lab.
func vmMachineID(labID, name string) string {
	sum := sha256.Sum256([]byte("drover-lab-machine-id " + labID + " " + name))
	return hex.EncodeToString(sum[:16])
}

// tapName is the tap of a VM in the outer namespace: "t-NAME", or "t-" and
// a hash of the name when that would exceed 15 bytes.
func tapName(server string) string {
	return "t-" + strings.TrimPrefix(vethName(server), "v-")
}

// vmConfigTar is the content of a VM's config disk: files that
// vm-guest-config.sh unpacks over / at boot (paths relative to /,
// directories listed before their files).
func vmConfigTar(s Server, gw netip.Addr, hostKey, client keyPair) ([]byte, error) {
	ipBatch := fmt.Sprintf("link set lo up\naddr replace %s/%d dev eth0\nlink set eth0 up\nroute replace default via %s dev eth0\n",
		s.Address, hostPrefixLen, gw)
	files := []struct {
		name string
		data string
		mode int64
	}{
		{"etc/hostname", s.Name + "\n", 0o644},
		{"etc/ssh/ssh_host_ed25519_key", string(hostKey.private), 0o600},
		{"etc/ssh/ssh_host_ed25519_key.pub", hostKey.authorizedLine() + " root@" + s.Name + "\n", 0o644},
		{"etc/ssh/sshd_config.d/10-drover-lab.conf", "# Written by drover lab.\nPort " + strconv.Itoa(s.Port) + "\n", 0o644},
		{"root/.ssh/", "", 0o700},
		{"root/.ssh/authorized_keys", client.authorizedLine() + " drover-lab\n", 0o600},
		{"run/drover-lab/", "", 0o700},
		{"run/drover-lab/ip.batch", ipBatch, 0o644},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
		if strings.HasSuffix(f.name, "/") {
			hdr.Typeflag = tar.TypeDir
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ensureTap makes a persistent tap in the outer namespace, enslaved to the
// bridge and up; qemu attaches to it by name.
func ensureTap(outer, name string) error {
	h, err := handleIn(outer)
	if err != nil {
		return err
	}
	defer h.Delete()
	link, err := h.LinkByName(name)
	if isNotFound(err) {
		err = inNetns(outer, func() error {
			return netlink.LinkAdd(&netlink.Tuntap{
				LinkAttrs: netlink.LinkAttrs{Name: name},
				Mode:      netlink.TUNTAP_MODE_TAP,
				Flags:     netlink.TUNTAP_NO_PI | netlink.TUNTAP_ONE_QUEUE,
			})
		})
		if err == nil {
			link, err = h.LinkByName(name)
		}
	}
	if err != nil {
		return fmt.Errorf("tap %s in %s: %w", name, outer, err)
	}
	br, err := h.LinkByName(bridgeName)
	if err != nil {
		return fmt.Errorf("bridge %s in %s: %w", bridgeName, outer, err)
	}
	if link.Attrs().MasterIndex != br.Attrs().Index {
		if err := h.LinkSetMaster(link, br); err != nil {
			return fmt.Errorf("tap %s master %s: %w", name, bridgeName, err)
		}
	}
	return ensureUp(h, name)
}

// deleteTap removes a tap from the outer namespace; a missing one is fine.
func deleteTap(outer, name string) error {
	if !netnsExists(outer) {
		return nil
	}
	h, err := handleIn(outer)
	if err != nil {
		return err
	}
	defer h.Delete()
	link, err := h.LinkByName(name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tap %s: %w", name, err)
	}
	return wrapErr(h.LinkDel(link), "delete tap %s", name)
}

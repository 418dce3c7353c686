package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The host init. Every lab host's PID 1 is the binary that runs Up (the
// drover CLI, a test binary) executed again through /proc/self/exe with
// argv[0] = hostInitArg0: package lab's init function sees that name and
// runs hostInit instead of the program, before main. It starts in the
// host's network namespace and in new mount, UTS, IPC and PID namespaces
// (startHost) and builds the host's sealed view of the machine, all with
// system calls (no shell, no mount(8): 100 hosts start in seconds):
//
//   - /: an overlay whose lower layer is the machine's live root file
//     system (its mount only, none of the mounts below it) and whose upper
//     and work directories are STATE/hosts/NAME/{upper,work} on the lab's
//     own tmpfs (STATE/hosts), so everything the host writes stays there;
//     the host cannot see the lab's tmpfs, hence no other host's layer;
//   - an overlay of the same kind on each mount below / of a file system
//     that holds files (diskSubmounts: a /usr, /var or /home of their own),
//     its layers in STATE/hosts/NAME/layers/HASH; of the other mounts
//     (tmpfs such as /dev/shm, other labs' files, nsfs) the host sees only
//     the directory below them;
//   - /proc of the host's PID namespace; /proc/sys read-only except the
//     keys of the host's own namespaces (hostSysctlRW); /proc/sysrq-trigger,
//     irq, bus, fs, acpi, scsi and driver read-only, /proc/kmsg and
//     /proc/kcore hidden;
//   - /sys of the host's network namespace, read-only except its network
//     devices (/sys/devices/virtual/net); the machine's cgroup hierarchies
//     below a tmpfs /sys/fs/cgroup (shared with the machine: the kernel has
//     one cgroup tree);
//   - /dev: a tmpfs with null, zero, full, random, urandom, tty, net/tun
//     (and fuse when the machine has it), a devpts instance of its own,
//     /dev/shm and /dev/mqueue of the host's IPC namespace;
//   - /run and /tmp: tmpfs, /run holding the lab marker (labMarker);
//   - the lab's state directory, when the host's tree has it: an empty
//     read-only tmpfs (the hosts do not read the lab's keys);
//
// then it pivots into that root, detaches the machine's mounts, sets the
// hostname and executes sshd.

// hostInitArg0 is argv[0] of a lab host's init.
const hostInitArg0 = "drover-lab-host-init"

// labMarker is the file every namespace lab host has: drover's helper
// reads it to know it runs in a host that shares the machine's kernel
// (runner/host/network/sysctl.go refuses the keys that are not per namespace).
const labMarker = "/run/drover-lab"

// hostSysctlRW are the /proc/sys entries a lab host may write: those of
// its own namespaces. net: its network namespace; kernel.hostname and
// kernel.domainname: its UTS namespace (its own name); the System V IPC
// limits and fs.mqueue: its IPC namespace (a database may raise them; they
// bind nothing outside the host). Everything else in /proc/sys is the
// machine's kernel and read-only.
var hostSysctlRW = []string{
	"net", "kernel/hostname", "kernel/domainname",
	"kernel/shmmax", "kernel/shmall", "kernel/shmmni", "kernel/shm_rmid_forced",
	"kernel/msgmax", "kernel/msgmnb", "kernel/msgmni", "kernel/sem", "fs/mqueue",
}

func init() {
	if len(os.Args) > 0 && os.Args[0] == hostInitArg0 {
		err := hostInit(os.Args[1:])
		fmt.Fprintf(os.Stderr, "drover lab host init: %v\n", err)
		os.Exit(1)
	}
}

// hostInit runs as PID 1 of a lab host: hostInit NAME HOSTDIR CGROUP...
// (see cgroupSpecs). It only returns on failure.
func hostInit(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: drover-lab-host-init NAME HOSTDIR CGROUP...")
	}
	name, dir, cgroups := args[0], args[1], args[2:]
	unix.Umask(0)
	if err := buildRoot(name, dir, cgroups); err != nil {
		return fmt.Errorf("host %s: %w", name, err)
	}
	if err := enterRoot(); err != nil {
		return fmt.Errorf("host %s: %w", name, err)
	}
	unix.Umask(0o022)
	if err := unix.Sethostname([]byte(name)); err != nil {
		return fmt.Errorf("host %s: hostname: %w", name, err)
	}
	freshDotfiles()
	return unix.Exec("/usr/sbin/sshd", []string{"/usr/sbin/sshd", "-D", "-e", "-f", "/etc/" + sshdConfigPath}, hostEnv)
}

// mnt is one mount(2) call; errors name the target.
func mnt(source, target, fstype string, flags uintptr, data string) error {
	if err := unix.Mount(source, target, fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", fstype+source, target, err)
	}
	return nil
}

// bindReadOnly makes path (relative to the working directory) a read-only
// bind mount of itself; a missing path is skipped.
func bindReadOnly(path string, extra uintptr) error {
	if _, err := os.Lstat(path); err != nil {
		return nil
	}
	if err := mnt(path, path, "bind:", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	return mnt("", path, "remount:", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|extra, "")
}

// bindSelf bind-mounts path on itself; a missing path is skipped.
func bindSelf(path string) error {
	if _, err := os.Lstat(path); err != nil {
		return nil
	}
	return mnt(path, path, "bind:", unix.MS_BIND, "")
}

const noSUIDDevExec = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC

// buildRoot mounts the host's root on DIR/root and everything below it.
// It works with paths relative to DIR: the overlay options then hold no
// path the state directory's name could break (commas, colons).
func buildRoot(name, dir string, cgroups []string) error {
	// Nothing this host mounts may propagate back into the machine.
	if err := mnt("", "/", "private:", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return err
	}
	if err := os.Chdir(dir); err != nil {
		return err
	}
	if err := mnt("drover-lab", "root", "overlay", 0, "lowerdir=/,upperdir=upper,workdir=work"); err != nil {
		return err
	}
	ms, err := readMountinfo()
	if err != nil {
		return err
	}
	for _, point := range diskSubmounts(ms) {
		if err := overlaySubmount(point); err != nil {
			fmt.Fprintf(os.Stderr, "drover lab host init: %v: the host sees %s of the root file system\n", err, point)
		}
	}
	steps := []func() error{
		func() error { return mountProc("root/proc") },
		func() error { return mountSys("root/sys", cgroups) },
		func() error { return mountDev("root/dev") },
		func() error { return mountRun("root", name) },
		func() error { return hideStateDir("root", filepath.Dir(filepath.Dir(dir))) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// diskFS are the file systems that hold the machine's files: a mount of
// one below / gets an overlay of its own in every host. The others
// (tmpfs, proc, nsfs...) are not shown: the host sees the directory below
// them on the root file system.
var diskFS = map[string]bool{
	"ext2": true, "ext3": true, "ext4": true, "xfs": true, "btrfs": true, "f2fs": true, "zfs": true,
	"overlay": true, "nfs": true, "nfs4": true, "9p": true, "virtiofs": true, "vfat": true, "exfat": true,
}

// replacedDirs are the host's own mounts: nothing of the machine's below
// them is shown.
var replacedDirs = []string{"/proc", "/sys", "/dev", "/run", "/tmp"}

// diskSubmounts are the mount points below / of the machine's file
// systems that hold files (diskFS), parents first, but those below
// replacedDirs and those whose name an overlay option cannot hold.
func diskSubmounts(ms []mountEntry) []string {
	var points []string
	seen := map[string]bool{}
	for _, m := range ms {
		if m.point == "/" || seen[m.point] || !diskFS[m.fstype] || strings.ContainsAny(m.point, ",:\\") {
			continue
		}
		replaced := false
		for _, d := range replacedDirs {
			replaced = replaced || m.point == d || strings.HasPrefix(m.point, d+"/")
		}
		if !replaced {
			seen[m.point] = true
			points = append(points, m.point)
		}
	}
	sort.Slice(points, func(i, j int) bool { return strings.Count(points[i], "/") < strings.Count(points[j], "/") })
	return points
}

// overlaySubmount mounts an overlay on root/POINT whose lower layer is the
// machine's mount at point and whose layers are in layers/NAME (relative
// to the working directory, the host's directory), NAME derived from
// point so that a restarted host finds its files again.
func overlaySubmount(point string) error {
	fi, err := os.Stat(point)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", point)
	}
	sum := sha256.Sum256([]byte(point))
	layer := "layers/" + hex.EncodeToString(sum[:8])
	for _, d := range []string{layer + "/upper", layer + "/work", "root" + point} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	st := fi.Sys().(*syscall.Stat_t)
	if err := os.Chown(layer+"/upper", int(st.Uid), int(st.Gid)); err != nil {
		return err
	}
	if err := os.Chmod(layer+"/upper", fi.Mode()&(fs.ModePerm|fs.ModeSticky|fs.ModeSetgid)); err != nil {
		return err
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", point, layer, layer)
	return mnt("drover-lab", "root"+point, "overlay", 0, opts)
}

// mountProc mounts the host's /proc with /proc/sys read-only but for
// hostSysctlRW.
func mountProc(proc string) error {
	if err := mnt("proc", proc, "proc", noSUIDDevExec, ""); err != nil {
		return err
	}
	sys := proc + "/sys"
	if err := bindSelf(sys); err != nil {
		return err
	}
	for _, rw := range hostSysctlRW {
		if err := bindSelf(sys + "/" + rw); err != nil {
			return err
		}
	}
	if err := mnt("", sys, "remount:", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|noSUIDDevExec, ""); err != nil {
		return err
	}
	for _, ro := range []string{"sysrq-trigger", "irq", "bus", "fs", "acpi", "scsi", "driver"} {
		if err := bindReadOnly(proc+"/"+ro, noSUIDDevExec); err != nil {
			return err
		}
	}
	return nil
}

// mountSys mounts the host's /sys, read-only except its network devices,
// with the cgroup hierarchies below it.
func mountSys(sys string, cgroups []string) error {
	if err := mnt("sysfs", sys, "sysfs", noSUIDDevExec, ""); err != nil {
		return err
	}
	if err := bindSelf(sys + "/devices/virtual/net"); err != nil {
		return err
	}
	if err := mnt("", sys, "remount:", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|noSUIDDevExec, ""); err != nil {
		return err
	}
	mountCgroups(sys+"/fs/cgroup", cgroups)
	return nil
}

// mountCgroups mounts the hierarchies of specs ("SUBDIR:FSTYPE:OPTIONS")
// below cg, on a tmpfs unless the first is the root ("."); a hierarchy
// that cannot be mounted is reported and skipped.
func mountCgroups(cg string, specs []string) {
	if len(specs) == 0 || !strings.HasPrefix(specs[0], ".:") {
		if err := mnt("cgroup", cg, "tmpfs", noSUIDDevExec, "mode=755"); err != nil {
			fmt.Fprintf(os.Stderr, "drover lab host init: %v: no cgroups\n", err)
			return
		}
	}
	for _, spec := range specs {
		dir, rest, _ := strings.Cut(spec, ":")
		fstype, opts, _ := strings.Cut(rest, ":")
		target := cg + "/" + dir
		flags, data := mountOptions(opts)
		err := os.MkdirAll(target, 0o755)
		if err == nil {
			err = mnt("cgroup", target, fstype, flags|noSUIDDevExec, data)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "drover lab host init: %v: skipped\n", err)
			if dir != "." {
				_ = os.Remove(target)
			}
			continue
		}
		if strings.Contains(dir, ",") {
			for _, c := range strings.Split(dir, ",") {
				_ = os.Symlink(dir, cg+"/"+c)
			}
		}
	}
}

// mountOptions splits "rw,cpu,name=x" into mount flags and the data the
// file system gets.
func mountOptions(opts string) (uintptr, string) {
	var flags uintptr
	var data []string
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "", "rw":
		case "ro":
			flags |= unix.MS_RDONLY
		default:
			data = append(data, o)
		}
	}
	return flags, strings.Join(data, ",")
}

// devNode is a device file the host's /dev gets from the machine's.
type devNode struct {
	name  string
	mode  uint32
	major uint32
	minor uint32
}

var devNodes = []devNode{
	{"null", 0o666, 1, 3}, {"zero", 0o666, 1, 5}, {"full", 0o666, 1, 7},
	{"random", 0o666, 1, 8}, {"urandom", 0o666, 1, 9}, {"tty", 0o666, 5, 0},
	{"net/tun", 0o666, 10, 200}, {"fuse", 0o666, 10, 229},
}

// mountDev gives the host a /dev of its own.
func mountDev(dev string) error {
	if err := mnt("dev", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=755,size=1024k"); err != nil {
		return err
	}
	for _, d := range []string{"pts", "shm", "mqueue", "net"} {
		if err := os.Mkdir(dev+"/"+d, 0o755); err != nil {
			return err
		}
	}
	for _, n := range devNodes {
		if _, err := os.Stat("/dev/" + n.name); err != nil {
			continue // the machine has none either (fuse)
		}
		if err := unix.Mknod(dev+"/"+n.name, unix.S_IFCHR|n.mode, int(unix.Mkdev(n.major, n.minor))); err != nil {
			return fmt.Errorf("mknod %s: %w", n.name, err)
		}
	}
	links := [][2]string{{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"}}
	for _, l := range links {
		if err := os.Symlink(l[0], dev+"/"+l[1]); err != nil {
			return err
		}
	}
	if err := os.Chmod(dev+"/shm", 0o1777); err != nil {
		return err
	}
	mounts := []struct {
		src, target, fstype string
		flags               uintptr
		data                string
	}{
		{"devpts", dev + "/pts", "devpts", unix.MS_NOSUID | unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
		{"shm", dev + "/shm", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
		{"mqueue", dev + "/mqueue", "mqueue", noSUIDDevExec, ""},
	}
	for _, m := range mounts {
		if err := mnt(m.src, m.target, m.fstype, m.flags, m.data); err != nil {
			return err
		}
	}
	return nil
}

// mountRun mounts tmpfs on the host's /run and /tmp and writes the lab
// marker.
func mountRun(root, name string) error {
	if err := mnt("tmpfs", root+"/run", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=755"); err != nil {
		return err
	}
	if err := mnt("tmpfs", root+"/tmp", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return err
	}
	for _, d := range []struct {
		path string
		mode fs.FileMode
	}{{"/run/sshd", 0o755}, {"/run/lock", 0o1777}} {
		if err := os.Mkdir(root+d.path, d.mode.Perm()); err != nil {
			return err
		}
		if err := os.Chmod(root+d.path, d.mode); err != nil {
			return err
		}
	}
	return os.WriteFile(root+labMarker, []byte(markerText(name)), 0o644)
}

// hideStateDir covers the lab's state directory (its keys, the hosts'
// layers) with an empty read-only tmpfs in the host, when the host's tree
// has it (it does not below /tmp, which is the host's own).
func hideStateDir(root, state string) error {
	target := root + state
	if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
		return nil
	}
	return mnt("drover-lab-state", target, "tmpfs", unix.MS_RDONLY|noSUIDDevExec, "mode=755,size=4k")
}

// markerText is the content of labMarker.
func markerText(name string) string {
	var rw []string
	for _, k := range hostSysctlRW {
		rw = append(rw, strings.ReplaceAll(k, "/", "."))
	}
	return fmt.Sprintf(`# drover namespace lab host %s. It shares the machine's kernel, its modules and
# its cgroup tree; it has its own copy-on-write root, network, mount, UTS, IPC
# and PID namespaces. Writable kernel settings (their own namespace's): %s.
# Test anything else on the VM tier: drover lab up -vm.
tier=namespace
`, name, strings.Join(rw, " "))
}

// enterRoot makes root (below the working directory) the root of this
// mount namespace and detaches the machine's mounts from it.
func enterRoot() error {
	if err := os.Chdir("root"); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the machine's root: %w", err)
	}
	return os.Chdir("/")
}

// freshDotfiles gives root Debian's default dotfiles, not those of
// whoever runs the lab (a .bashrc that runs tools on every ssh command
// makes each session slow and noisy).
func freshDotfiles() {
	for _, f := range []string{".bashrc", ".profile"} {
		data, _ := os.ReadFile(filepath.Join("/etc/skel", f))
		_ = os.WriteFile(filepath.Join("/root", f), data, 0o644)
	}
}

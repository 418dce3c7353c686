package lab

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hostEnv is the environment of a host's init and of commands Exec runs,
// close to what an SSH login gets.
var hostEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root",
	"USER=root",
	"LOGNAME=root",
	"SHELL=/bin/sh",
	"LANG=C.UTF-8",
}

// Lab-owned files inside each host's private /etc.
const (
	sshdConfigPath     = "ssh/lab_sshd_config"
	hostKeyPath        = "ssh/lab_host_ed25519_key"
	authorizedKeysPath = "ssh/lab_authorized_keys"
)

// sshdConfig is the sshd configuration of one lab host.
func sshdConfig(hs HostState) string {
	return fmt.Sprintf(`# Written by drover lab for host %s; rewritten whenever the host starts.
ListenAddress %s
HostKey /etc/%s
PidFile /run/sshd.pid
AuthorizedKeysFile /etc/%s
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
`, hs.Name, hs.SSHAddr(), hostKeyPath, authorizedKeysPath)
}

// prepareHost creates a host's overlay upper, work and root directories
// on the lab's tmpfs (the upper root and /etc with the mode and owner of
// the machine's, so the merged view looks the same) and writes the lab's
// files into its /etc layer: sshd config, host key, authorized key,
// hostname, the resolver file unless the host replaced it, and the hosts
// file unless the host has one. The overlay is not mounted, so writing its upper layer directly is
// allowed.
func prepareHost(p labPaths, hs HostState, gw netip.Addr, hostKey, client keyPair) error {
	wrap := func(err error) error { return wrapErr(err, "lab host %s", hs.Name) }
	for _, d := range []string{p.hostWork(hs.Name), p.hostRoot(hs.Name)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return wrap(err)
		}
	}
	upper := p.hostUpper(hs.Name)
	for _, d := range []string{"", "etc", "etc/ssh"} {
		if err := mkdirLike(filepath.Join(upper, d), "/"+d); err != nil {
			return wrap(err)
		}
	}
	etc := filepath.Join(upper, "etc")
	files := []struct {
		path string
		data []byte
		mode fs.FileMode
	}{
		{sshdConfigPath, []byte(sshdConfig(hs)), 0o644},
		{hostKeyPath, hostKey.private, 0o600},
		{hostKeyPath + ".pub", []byte(hostKey.authorizedLine() + "\n"), 0o644},
		{authorizedKeysPath, []byte(client.authorizedLine() + " drover-lab\n"), 0o644},
		{"hostname", []byte(hs.Name + "\n"), 0o644},
	}
	for _, f := range files {
		if err := writeFileIfChanged(filepath.Join(etc, f.path), f.data, f.mode); err != nil {
			return wrap(err)
		}
	}
	if err := writeLabFile(filepath.Join(etc, "resolv.conf"), resolvConf(gw)); err != nil {
		return wrap(err)
	}
	// /etc/hosts once: declarations add lines to it (webserver hosts_on).
	if _, err := os.Lstat(filepath.Join(etc, "hosts")); err == nil {
		return nil
	}
	return wrap(writeFileIfChanged(filepath.Join(etc, "hosts"), []byte(etcHosts(hs.Name)), 0o644))
}

// labFileHeader starts every file the lab writes into a host that the
// host may replace (resolv.conf, hosts): the lab rewrites such a file only
// while it still starts with this line.
const labFileHeader = "# Written by drover lab"

// writeLabFile writes a lab-owned host file unless the host replaced it.
func writeLabFile(path, data string) error {
	old, err := os.ReadFile(path)
	if err == nil && !strings.HasPrefix(string(old), labFileHeader) {
		return nil
	}
	return writeFileIfChanged(path, []byte(data), 0o644)
}

// resolvConf points a host at the lab's resolver on its gateway, which
// knows the lab's hosts and nothing else: a name it does not know fails at
// once (NXDOMAIN, or "connection refused" when the resolver is missing)
// instead of waiting for a resolver the lab cannot reach.
func resolvConf(gw netip.Addr) string {
	return fmt.Sprintf(`%s: the lab's resolver (dnsmasq on the lab gateway) knows
# the lab's hosts (NAME and NAME.%s) and nothing else; it forwards nothing.
nameserver %s
search %s
options timeout:1 attempts:1
`, labFileHeader, labDomain, gw, labDomain)
}

// etcHosts is a host's /etc/hosts: loopback names and its own name.
func etcHosts(name string) string {
	return fmt.Sprintf(`%s
127.0.0.1	localhost
127.0.1.1	%s.%s %s
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`, labFileHeader, name, labDomain, name)
}

// mkdirLike makes dir (and its parents) and gives it the mode and owner of
// model, or 0755 root when model does not exist.
func mkdirLike(dir, model string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mode, uid, gid := fs.FileMode(0o755), 0, 0
	if fi, err := os.Stat(model); err == nil {
		mode = fi.Mode() & (fs.ModePerm | fs.ModeSticky | fs.ModeSetgid)
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return err
	}
	return os.Chmod(dir, mode)
}

// startHost starts a host's init (hostInit, this program executed again
// as hostInitArg0) in the host's network namespace and in new mount, UTS,
// IPC and PID namespaces, in a session of its own, writing to the host's
// log. It returns the init's PID. The host outlives this process; while
// this process lives, a goroutine reaps the init when it ends.
func startHost(p labPaths, hs HostState, cgroups []string) (int, error) {
	logf, err := os.OpenFile(hs.Log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return 0, fmt.Errorf("lab host %s: %w", hs.Name, err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- drover lab: host %s starting at %s ---\n", hs.Name, time.Now().Format(time.RFC3339))
	cmd := &exec.Cmd{
		Path:   "/proc/self/exe",
		Args:   append([]string{hostInitArg0, hs.Name, p.host(hs.Name)}, cgroups...),
		Env:    hostEnv,
		Dir:    "/",
		Stdout: logf,
		Stderr: logf,
		SysProcAttr: &syscall.SysProcAttr{
			Setsid:     true,
			Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWPID,
		},
	}
	if err := inNetns(hs.Netns, cmd.Start); err != nil {
		return 0, fmt.Errorf("lab host %s: start init: %w", hs.Name, err)
	}
	go cmd.Wait() //nolint:errcheck // only reaps; the host's fate is checked through /proc
	return cmd.Process.Pid, nil
}

// procInfo is what the lab needs to know of one process.
type procInfo struct {
	pid    int
	netIno uint64 // inode of its network namespace
	init   bool   // PID 1 of a PID namespace below the machine's
}

// scanProcs lists the live (not zombie) processes whose network namespace
// is one of inos, this process excepted.
func scanProcs(inos map[uint64]bool) []procInfo {
	entries, err := os.ReadDir("/proc")
	if err != nil || len(inos) == 0 {
		return nil
	}
	self := os.Getpid()
	var ps []procInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		ino, err := nsInode(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil || !inos[ino] {
			continue
		}
		alive, init := procStatus(pid)
		if alive {
			ps = append(ps, procInfo{pid: pid, netIno: ino, init: init})
		}
	}
	return ps
}

// procStatus reads /proc/PID/status: whether the process is alive (exists
// and is no zombie) and whether it is PID 1 of a nested PID namespace.
func procStatus(pid int) (alive, nsInit bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, val, _ := strings.Cut(line, ":")
		f := strings.Fields(val)
		switch key {
		case "State":
			if len(f) == 0 || f[0] == "Z" || f[0] == "X" {
				return false, false
			}
			alive = true
		case "NSpid":
			nsInit = len(f) >= 2 && f[len(f)-1] == "1"
		}
	}
	return alive, nsInit
}

// isHostInit reports whether pid is alive and the init of the host whose
// network namespace is the named one (a recorded PID may have been reused).
func isHostInit(pid int, netnsName string) bool {
	if pid <= 0 {
		return false
	}
	want, err := nsInode(netnsPath(netnsName))
	if err != nil {
		return false
	}
	got, err := nsInode(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil || got != want {
		return false
	}
	alive, init := procStatus(pid)
	return alive && init
}

// hostInits maps each named network namespace to the PID of the host init
// living in it; namespaces without one are absent.
func hostInits(names []string) map[string]int {
	byIno := map[uint64]string{}
	inos := map[uint64]bool{}
	for _, n := range names {
		if ino, err := nsInode(netnsPath(n)); err == nil {
			byIno[ino], inos[ino] = n, true
		}
	}
	inits := map[string]int{}
	for _, p := range scanProcs(inos) {
		if p.init {
			inits[byIno[p.netIno]] = p.pid
		}
	}
	return inits
}

// killNetnsProcesses kills every process in the named network namespaces,
// host inits first (the kernel then kills their whole PID namespace), and
// waits until they are gone. It returns how many it killed.
func killNetnsProcesses(names []string, timeout time.Duration) (int, error) {
	inos := map[uint64]bool{}
	for _, n := range names {
		if ino, err := nsInode(netnsPath(n)); err == nil {
			inos[ino] = true
		}
	}
	procs := scanProcs(inos)
	for _, first := range []bool{true, false} {
		for _, p := range procs {
			if p.init == first {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		// A dying process may already have left its namespaces: wait for
		// the killed PIDs themselves, too.
		left := append(scanProcs(inos), stillAlive(procs)...)
		if len(left) == 0 {
			return len(procs), nil
		}
		if time.Now().After(deadline) {
			return len(procs), fmt.Errorf("processes %v still run in %s after SIGKILL", pids(left), strings.Join(names, ", "))
		}
		for _, p := range left {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stillAlive are the processes of ps that exist and are no zombies.
func stillAlive(ps []procInfo) []procInfo {
	var left []procInfo
	for _, p := range ps {
		if alive, _ := procStatus(p.pid); alive {
			left = append(left, p)
		}
	}
	return left
}

func pids(ps []procInfo) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.pid)
	}
	return out
}

// logTail is the last n lines of a host's log, for error messages.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "(no log)"
	}
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

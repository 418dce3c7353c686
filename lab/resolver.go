package lab

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The lab's resolver: a dnsmasq in the lab's outer namespace, listening on
// the gateway addresses, that answers the hosts' names (NAME and
// NAME.lab) and NXDOMAIN for every other name; it forwards nothing, so
// nothing leaves the machine and a lookup the lab cannot answer fails at
// once. Each host's /etc/resolv.conf points at its gateway (prepareHost).
// It runs in the machine's mount namespace and writes nothing but its log
// (STATE/dns/dnsmasq.log): no pid file, no leases. Down ends it with the
// rest of the outer namespace's processes. Without dnsmasq installed the
// lab has no resolver and lookups fail at once (nothing listens).

const (
	dnsDir        = "dns"
	resolverConf  = "dnsmasq.conf"
	resolverLog   = "dnsmasq.log"
	resolverBin   = "dnsmasq"
	resolverFlags = "--keep-in-foreground"
)

func (p labPaths) dns() string          { return filepath.Join(p.dir, dnsDir) }
func (p labPaths) resolverConf() string { return filepath.Join(p.dns(), resolverConf) }

// resolverConfig is the dnsmasq configuration of a lab.
func resolverConfig(hosts []HostState, gws []netip.Prefix) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the lab's resolver. It answers the lab's hosts and NXDOMAIN for\n", labFileHeader)
	b.WriteString("# everything else; it forwards nothing and reads no file of the machine.\n")
	b.WriteString("no-resolv\nno-hosts\nbind-interfaces\npid-file=\nlog-facility=-\nlocal=/#/\n")
	for _, gw := range gws {
		fmt.Fprintf(&b, "listen-address=%s\n", gw.Addr())
	}
	for _, h := range hosts {
		fmt.Fprintf(&b, "host-record=%s,%s.%s,%s\n", h.Name, h.Name, labDomain, h.Address)
	}
	return b.String()
}

// ensureResolver starts the lab's resolver, or restarts it when its
// configuration changed; a running one with the current configuration is
// left alone.
func ensureResolver(p labPaths, st *State, gws []netip.Prefix, log io.Writer) error {
	bin, err := exec.LookPath(resolverBin)
	if err != nil {
		fmt.Fprintf(log, "lab %s: no dnsmasq: the hosts resolve no names (make deps installs it)\n", st.Netns)
		return nil
	}
	if err := os.MkdirAll(p.dns(), 0o755); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	conf := resolverConfig(st.Hosts, gws)
	old, _ := os.ReadFile(p.resolverConf())
	running := resolverPIDs(p, st.Netns)
	if string(old) == conf && len(running) == 1 {
		return nil
	}
	for _, pid := range running {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if err := waitGone(running, killTimeout); err != nil {
		return fmt.Errorf("lab %s: resolver: %w", st.Netns, err)
	}
	if err := writeFileIfChanged(p.resolverConf(), []byte(conf), 0o644); err != nil {
		return err
	}
	return startResolver(p, st.Netns, bin)
}

// startResolver starts dnsmasq in the outer namespace, in a session of its
// own; it outlives this process.
func startResolver(p labPaths, outer, bin string) error {
	logf, err := os.OpenFile(filepath.Join(p.dns(), resolverLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	defer logf.Close()
	cmd := &exec.Cmd{
		Path: bin, Args: []string{resolverBin, resolverFlags, "--conf-file=" + p.resolverConf()},
		Env: hostEnv, Dir: "/", Stdout: logf, Stderr: logf,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := inNetns(outer, cmd.Start); err != nil {
		return fmt.Errorf("lab %s: start dnsmasq: %w", outer, err)
	}
	go cmd.Wait() //nolint:errcheck // only reaps
	return nil
}

// resolverPIDs are the lab's running resolvers: processes of the outer
// namespace running dnsmasq with the lab's configuration.
func resolverPIDs(p labPaths, outer string) []int {
	ino, err := nsInode(netnsPath(outer))
	if err != nil {
		return nil
	}
	want := "--conf-file=" + p.resolverConf()
	var pids []int
	for _, proc := range scanProcs(map[uint64]bool{ino: true}) {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", proc.pid))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if len(args) == 3 && filepath.Base(args[0]) == resolverBin && args[2] == want {
			pids = append(pids, proc.pid)
		}
	}
	return pids
}

// waitGone waits until none of pids is alive.
func waitGone(pids []int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, pid := range pids {
		for {
			if alive, _ := procStatus(pid); !alive {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("process %d still runs after SIGKILL", pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

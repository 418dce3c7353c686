// Package lab builds, on this machine and as root, a disposable replica of
// a cluster's servers that drover reaches over real SSH exactly like
// production servers (`drover lab up|down|status|exec`).
//
// Layout. Every lab lives in its own outer network namespace "drv-ID" (ID:
// the first 8 hex digits of the SHA-256 of the absolute state directory),
// which holds the bridge "labbr" with a gateway address in each /24 the
// servers use (the highest free host address, normally .254). Each server
// is a network namespace "drv-ID-NAME" whose "eth0" is a veth on that
// bridge (bridge side "v-NAME") with the server's address/24, lo up and a
// default route via the gateway. Nothing but the named namespaces is added
// to the machine's own namespaces, so several labs with the same addresses
// coexist; the machine reaches a lab only through State.Dial.
//
// Each host is sealed: its init (hostinit.go) runs in new mount, UTS,
// IPC and PID namespaces and pivots into a copy-on-write view of the whole
// machine (an overlay with the machine's root file system as its lower
// layer and the host's upper layer on the lab's tmpfs), with /proc, /sys,
// /dev, /run and /tmp of its own, /proc/sys read-only except its own
// namespaces' keys, hostname = server name; then it becomes sshd
// (/etc/ssh/lab_sshd_config: the server address, a stable host key, root
// login by key only). A resolver in the outer namespace (dnsmasq on the
// gateways, resolver.go) answers the hosts' names and nothing else.
//
// What a host shares with the machine: the kernel (its modules, the
// sysctls that are not per namespace, which are read-only in the host),
// the cgroup tree, and the machine's files as they are when read (the
// lower layer is live: changing the machine's own files while a lab is up
// gives undefined results in its hosts). Nothing a host writes lands
// outside STATE/hosts.
//
// State directory (the CLI uses DIR/.drover/lab):
//
//	state.json            the lab (State), written by Up, removed by Down
//	ssh/id_ed25519[.pub]  client key, generated once (mode 0600)
//	ssh/host_NAME[.pub]   each host's key, generated once, kept by Down
//	ssh/known_hosts       every host's key under its address
//	dns/                  the lab resolver's configuration and log
//	hosts/                the lab's tmpfs, mounted by Up, unmounted by Down:
//	hosts/NAME/sshd.log   the host init's and sshd's output
//	hosts/NAME/{upper,work,root}  the host's layer, overlay work directory
//	                      and root mount point
//	hosts/NAME/layers/HASH/{upper,work}  its layers of the machine's other
//	                      disk file systems mounted below / (hostinit.go)
//
// The VM tier (UpVM, vm.go and vm_image.go) builds the same lab with a qemu
// VM per server, running Debian's kernel and systemd.
//
// Up, Down and Purge take a lock on the state directory; they need root.
package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Server is one server to replicate. Port is sshd's port, 0 meaning 22.
type Server struct {
	Name    string
	Address string // IPv4
	Port    int
}

// Time limits.
const (
	// SSHTimeout bounds how long Up waits for every sshd to answer.
	SSHTimeout = 15 * time.Second
	// killTimeout bounds how long Down waits for killed processes to end.
	killTimeout = 5 * time.Second
)

// Up builds the lab of servers in stateDir, or brings an existing one in
// line: hosts that run and match are left alone (so a second Up changes
// nothing), dead hosts are restarted, hosts no longer listed are removed,
// a host whose address or port changed is rebuilt (its files are kept),
// and so is a host whose keys were lost from STATE/ssh.
// It returns when every host's sshd answers. Progress goes to log (may be
// nil).
func Up(ctx context.Context, stateDir string, servers []Server, log io.Writer) (*State, error) {
	start := time.Now()
	log = orDiscard(log)
	p, servers, gws, err := prepare(stateDir, servers)
	if err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("lab: up needs root (network and mount namespaces)")
	}
	if err := os.MkdirAll(p.ssh(), 0o700); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	unlock, err := lockDir(p)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if len(vmProcs(p)) > 0 {
		return nil, fmt.Errorf("lab: a VM lab is up in %s: drover lab down first", p.dir)
	}

	old, _ := readState(p.state())
	st := &State{
		ID: p.id, Dir: p.dir, Netns: p.outerNetns(), Bridge: bridgeName,
		IdentityFile: p.identity(), KnownHosts: p.knownHosts(), User: loginUser,
	}
	for _, gw := range gws {
		st.Gateways = append(st.Gateways, gw.String())
	}
	if st.HostsTmpfs, err = ensureHostsDir(p); err != nil {
		return nil, err
	}
	if err := removeStaleHosts(p, servers, log); err != nil {
		return nil, err
	}
	if _, err := ensureNetns(st.Netns); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := ensureOuterNet(st.Netns, gws); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := clearRelay(st.Netns, old != nil && old.RTT != ""); err != nil {
		return nil, err
	}
	started, err := upHosts(p, st, servers, gws, log)
	if err != nil {
		return nil, err
	}
	if err := ensureResolver(p, st, gws, log); err != nil {
		return nil, err
	}
	if err := pinNeighbours(st); err != nil { // neigh.go
		return nil, err
	}
	if err := st.waitSSH(ctx, SSHTimeout); err != nil {
		return st, err
	}
	fmt.Fprintf(log, "lab %s: %d hosts up (%d started) in %s\n",
		st.Netns, len(st.Hosts), started, time.Since(start).Round(time.Millisecond))
	return st, nil
}

// upHosts makes every server's namespace and network right and starts the
// hosts that do not run, hostWorkers at a time; then it records the state
// and known_hosts. It returns how many hosts it started.
func upHosts(p labPaths, st *State, servers []Server, gws []netip.Prefix, log io.Writer) (int, error) {
	client, newClient, err := loadOrCreateKey(p.identity(), "drover-lab")
	if err != nil {
		return 0, err
	}
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = p.hostNetns(s.Name)
	}
	ms, _ := readMountinfo()
	b := &hostBuilder{p: p, outer: st.Netns, gws: gws, client: client, newClient: newClient,
		inits: hostInits(names), cgroups: cgroupSpecs(ms, enabledControllers()), log: &syncWriter{w: log}}
	hosts := make([]HostState, len(servers))
	keys := make([]keyPair, len(servers))
	started := make([]bool, len(servers))
	errs := make([]error, len(servers))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(hostWorkers, len(servers)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				hosts[i], keys[i], started[i], errs[i] = b.up(servers[i])
			}
		}()
	}
	for i := range servers {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	n := 0
	byName := map[string]keyPair{}
	for i, s := range servers {
		byName[s.Name] = keys[i]
		if started[i] {
			n++
		}
	}
	st.Hosts = hosts
	if err := writeFileIfChanged(p.knownHosts(), knownHostsFile(st.Hosts, byName), 0o644); err != nil {
		return 0, err
	}
	return n, writeState(p.state(), st)
}

// hostWorkers is how many hosts Up builds at once.
const hostWorkers = 8

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// hostBuilder holds what building the hosts of one Up shares.
type hostBuilder struct {
	p         labPaths
	outer     string
	gws       []netip.Prefix
	client    keyPair
	newClient bool           // the client key was just made
	inits     map[string]int // running host inits by namespace
	cgroups   []string       // for the host init (cgroupSpecs)
	log       io.Writer
}

// up makes one host's key, namespace and network right and starts the
// host unless it runs with the current keys.
func (b *hostBuilder) up(s Server) (HostState, keyPair, bool, error) {
	hs := HostState{
		Name: s.Name, Address: s.Address, Port: s.Port,
		Netns: b.p.hostNetns(s.Name), Veth: vethName(s.Name), Log: b.p.hostLog(s.Name),
	}
	key, newKey, err := loadOrCreateKey(b.p.hostKey(s.Name), "root@"+s.Name)
	if err != nil {
		return hs, key, false, err
	}
	if _, err := ensureNetns(hs.Netns); err != nil {
		return hs, key, false, fmt.Errorf("lab host %s: %w", s.Name, err)
	}
	gw, err := gatewayFor(s.Address, b.gws)
	if err != nil {
		return hs, key, false, fmt.Errorf("lab host %s: %w", s.Name, err)
	}
	if err := ensureHostNet(b.outer, hs, gw); err != nil {
		return hs, key, false, fmt.Errorf("lab: %w", err)
	}
	hs.PID = b.inits[hs.Netns]
	if hs.PID != 0 && (newKey || b.newClient) {
		// Its sshd has the keys that were lost from STATE/ssh.
		fmt.Fprintf(b.log, "lab %s: host %s restarts with new keys\n", b.outer, hs.Name)
		if _, err := killNetnsProcesses([]string{hs.Netns}, killTimeout); err != nil {
			return hs, key, false, fmt.Errorf("lab host %s: %w", s.Name, err)
		}
		hs.PID = 0
	}
	if hs.PID != 0 {
		return hs, key, false, nil
	}
	if err := prepareHost(b.p, hs, gw, key, b.client); err != nil {
		return hs, key, false, err
	}
	if hs.PID, err = startHost(b.p, hs, b.cgroups); err != nil {
		return hs, key, false, err
	}
	fmt.Fprintf(b.log, "lab %s: host %s (%s) started, pid %d\n", b.outer, hs.Name, hs.Address, hs.PID)
	return hs, key, true, nil
}

// ensureHostsDir makes STATE/hosts and mounts the lab's tmpfs on it
// unless it is a mount point already. The hosts' layers live there: a
// mount of its own, which the hosts' lower layer (the machine's root file
// system without its submounts) does not show, so no host sees another's
// files; and Down removes all of them by unmounting it.
func ensureHostsDir(p labPaths) (bool, error) {
	hosts := p.hosts()
	if err := os.MkdirAll(hosts, 0o755); err != nil {
		return false, fmt.Errorf("lab: %w", err)
	}
	if real, err := filepath.EvalSymlinks(hosts); err == nil {
		hosts = real
	}
	mounted, err := isMountPoint(hosts)
	if err != nil || mounted {
		return mounted, wrapErr(err, "lab")
	}
	if err := unix.Mount("drover-lab", hosts, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=755"); err != nil {
		return false, fmt.Errorf("lab: mount a tmpfs on %s: %w", hosts, err)
	}
	return true, nil
}

// removeStaleHosts removes the hosts that are no longer declared (with
// their files) and tears down the hosts whose sshd configuration differs
// from the declared one: a changed address or port, or a host whose files
// were lost (they keep their files, and Up builds them again). The running
// hosts themselves are the truth here, not state.json.
func removeStaleHosts(p labPaths, servers []Server, log io.Writer) error {
	want := map[string]Server{}
	for _, s := range servers {
		want[s.Name] = s
	}
	existing, err := listNetns(p.hostNetnsPrefix())
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	for _, ns := range existing {
		name := strings.TrimPrefix(ns, p.hostNetnsPrefix())
		s, declared := want[name]
		var why string
		switch {
		case !declared:
			why = "no longer declared"
		case sshdConfigStale(p, s):
			why = "address, port or files changed"
		default:
			continue
		}
		if err := removeHost(p, ns); err != nil {
			return err
		}
		if !declared {
			if err := os.RemoveAll(p.host(name)); err != nil {
				return fmt.Errorf("lab: %w", err)
			}
		}
		fmt.Fprintf(log, "lab %s: host %s removed (%s)\n", p.outerNetns(), name, why)
	}
	return nil
}

// sshdConfigStale reports whether the sshd configuration a host was last
// started with differs from the one server s needs (or is missing).
func sshdConfigStale(p labPaths, s Server) bool {
	have, err := os.ReadFile(filepath.Join(p.hostUpper(s.Name), "etc", sshdConfigPath))
	want := sshdConfig(HostState{Name: s.Name, Address: s.Address, Port: s.Port})
	return err != nil || string(have) != want
}

// removeHost kills a host's processes and deletes its network namespace.
func removeHost(p labPaths, ns string) error {
	if _, err := killNetnsProcesses([]string{ns}, killTimeout); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return wrapErr(deleteNetns(ns), "lab")
}

// Down removes the lab of stateDir: it kills every process in the lab's
// namespaces (each host's init first; the kernel ends the rest of its PID
// namespace, and with it the host's mounts; a VM's qemu, which runs in the
// outer namespace), deletes the namespaces (and with them the VMs' taps),
// unmounts STATE/hosts if the lab mounted it and removes STATE/hosts,
// STATE/vms (the VMs' disks) and state.json. The keys in STATE/ssh stay, so a rebuilt lab has the same
// host keys. It needs no state.json (it finds the lab by its namespace
// names), and a lab that is not up is no error.
func Down(stateDir string, log io.Writer) error {
	start := time.Now()
	log = orDiscard(log)
	p, err := newLabPaths(stateDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p.dir); err == nil {
		unlock, err := lockDir(p)
		if err != nil {
			return err
		}
		defer unlock()
	}
	names, err := listNetns(p.outerNetns())
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	killed, err := killNetnsProcesses(names, killTimeout)
	if err != nil {
		return fmt.Errorf("lab %s: %w", p.outerNetns(), err)
	}
	// Host namespaces first, the outer one (with the bridge) last.
	for i := len(names) - 1; i >= 0; i-- {
		if err := deleteNetns(names[i]); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	if err := removeHostsDir(p); err != nil {
		return err
	}
	for _, d := range []string{p.vms(), p.dns()} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	if err := os.Remove(p.state()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("lab: %w", err)
	}
	if len(names) > 0 || killed > 0 {
		fmt.Fprintf(log, "lab %s: down (%d namespaces, %d processes) in %s\n",
			p.outerNetns(), len(names), killed, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// removeHostsDir unmounts STATE/hosts when it is a mount and removes it.
func removeHostsDir(p labPaths) error {
	hosts := p.hosts()
	if real, err := filepath.EvalSymlinks(hosts); err == nil {
		hosts = real
	}
	if mounted, err := isMountPoint(hosts); err == nil && mounted {
		if err := unix.Unmount(hosts, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("lab: unmount %s: %w", hosts, err)
		}
	}
	return wrapErr(os.RemoveAll(p.hosts()), "lab")
}

// Purge is Down followed by removing the whole state directory, keys
// included: the next Up makes new keys.
func Purge(stateDir string, log io.Writer) error {
	if err := Down(stateDir, log); err != nil {
		return err
	}
	p, err := newLabPaths(stateDir)
	if err != nil {
		return err
	}
	return wrapErr(os.RemoveAll(p.dir), "lab")
}

// Status reads the lab of stateDir and checks each host: its init must run
// and its sshd must answer. It returns (nil, nil) when there is no lab.
func Status(stateDir string) (*State, error) {
	p, err := newLabPaths(stateDir)
	if err != nil {
		return nil, err
	}
	st, err := readState(p.state())
	if st == nil || err != nil {
		return nil, err
	}
	pids := st.hostPIDs(p)
	var wg sync.WaitGroup
	for i := range st.Hosts {
		h := &st.Hosts[i]
		if pid := pids[h.Name]; pid != 0 {
			h.PID = pid
		} else {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, probe := st.sshPolling()
			_, err := st.sshBanner(context.Background(), *h, probe)
			h.Up = err == nil
		}()
	}
	wg.Wait()
	return st, nil
}

// hostPIDs maps the name of each running host to its init's PID (a VM's
// qemu).
func (s *State) hostPIDs(p labPaths) map[string]int {
	if s.VM != nil {
		return vmProcs(p)
	}
	names := make([]string, len(s.Hosts))
	for i, h := range s.Hosts {
		names[i] = h.Netns
	}
	inits := hostInits(names)
	pids := map[string]int{}
	for _, h := range s.Hosts {
		if pid := inits[h.Netns]; pid != 0 {
			pids[h.Name] = pid
		}
	}
	return pids
}

// serverName is what a lab accepts as a server name: it becomes a
// hostname, part of a namespace name and a directory name.
var serverName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

// checkServers validates the servers and returns them with default ports.
func checkServers(servers []Server) ([]Server, error) {
	if len(servers) == 0 {
		return nil, errors.New("lab: no servers to build")
	}
	out := make([]Server, len(servers))
	names, addrs := map[string]bool{}, map[netip.Addr]string{}
	for i, s := range servers {
		if !serverName.MatchString(s.Name) {
			return nil, fmt.Errorf("lab: server name %q: use letters, digits, '-' and '_' (at most 63, starting with a letter or digit)", s.Name)
		}
		if names[s.Name] {
			return nil, fmt.Errorf("lab: server %s is listed twice", s.Name)
		}
		names[s.Name] = true
		a, err := netip.ParseAddr(s.Address)
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("lab: server %s: address %q is not an IPv4 address (the lab supports IPv4 only)", s.Name, s.Address)
		}
		if last := a.As4()[3]; last == 0 || last == 255 || a.IsLoopback() || a.IsMulticast() || a.IsUnspecified() {
			return nil, fmt.Errorf("lab: server %s: %s cannot be a host address in its /24", s.Name, s.Address)
		}
		if other, dup := addrs[a]; dup {
			return nil, fmt.Errorf("lab: servers %s and %s have the same address %s", other, s.Name, s.Address)
		}
		addrs[a] = s.Name
		if s.Port == 0 {
			s.Port = 22
		}
		if s.Port < 1 || s.Port > 65535 {
			return nil, fmt.Errorf("lab: server %s: port %d out of range", s.Name, s.Port)
		}
		s.Address = a.String()
		out[i] = s
	}
	return out, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// prepare checks what Up and UpVM are asked for: the state directory's
// paths, the servers (validated, in order) and the lab's gateway prefixes.
func prepare(stateDir string, servers []Server) (labPaths, []Server, []netip.Prefix, error) {
	p, err := newLabPaths(stateDir)
	if err != nil {
		return labPaths{}, nil, nil, err
	}
	if servers, err = checkServers(servers); err != nil {
		return labPaths{}, nil, nil, err
	}
	gws, err := gateways(servers)
	if err != nil {
		return labPaths{}, nil, nil, err
	}
	return p, servers, gws, nil
}

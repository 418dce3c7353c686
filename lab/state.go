package lab

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// State is what state.json records about an up lab.
type State struct {
	// ID is the first 8 hex digits of the SHA-256 of the absolute state
	// directory; every namespace of the lab carries it.
	ID string `json:"id"`
	// Dir is the absolute state directory.
	Dir string `json:"dir"`
	// Netns is the lab's outer network namespace ("drv-ID"), which holds
	// Bridge and the gateways; Dial connects from inside it.
	Netns  string `json:"netns"`
	Bridge string `json:"bridge"`
	// Gateways are the outer namespace's addresses on Bridge, one per /24
	// the servers use ("198.51.100.254/24"); each host's default route.
	Gateways []string    `json:"gateways"`
	Hosts    []HostState `json:"hosts"`
	// IdentityFile is the client's private key (STATE/ssh/id_ed25519),
	// KnownHosts the host keys of every host address, User the login user.
	IdentityFile string `json:"identity_file"`
	KnownHosts   string `json:"known_hosts"`
	User         string `json:"user"`
	// HostsTmpfs is true when STATE/hosts is the lab's tmpfs (always, for
	// a namespace lab: the hosts' layers live there).
	HostsTmpfs bool `json:"hosts_tmpfs,omitempty"`
	// RTT is the round-trip time the lab's relay adds between the outer
	// namespace and every host's sshd (SetRTT, latency.go); "" = none.
	RTT string `json:"rtt,omitempty"`
	// VM is set for a VM lab (UpVM): every host is a qemu VM.
	VM *VMInfo `json:"vm,omitempty"`
}

// HostState is one lab host.
type HostState struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Port    int    `json:"port"`
	// Netns is the host's network namespace ("drv-ID-NAME"), Veth the
	// bridge side of its eth0 in the outer namespace. For a VM, Netns is
	// the outer namespace (where qemu runs) and Veth its tap.
	Netns string `json:"netns"`
	Veth  string `json:"veth"`
	// PID is the host's init (PID 1 of its PID namespace, later sshd) as
	// seen from the machine; for a VM, its qemu.
	PID int `json:"pid"`
	// Log is the host init's and sshd's output (STATE/hosts/NAME/sshd.log);
	// for a VM its serial console (STATE/vms/NAME/console.log).
	Log string `json:"log"`
	// Up is true when the init runs and sshd accepts connections. It is
	// computed by Up and Status, never stored.
	Up bool `json:"-"`
	// readyAt is when waitSSH saw sshd answer.
	readyAt time.Time
}

// SSHAddr is the host's "address:port" for SSH.
func (h HostState) SSHAddr() string {
	return net.JoinHostPort(h.Address, strconv.Itoa(h.Port))
}

// Host returns the host named name.
func (s *State) Host(name string) (HostState, bool) {
	for _, h := range s.Hosts {
		if h.Name == name {
			return h, true
		}
	}
	return HostState{}, false
}

// Names and files inside a lab.
const (
	nsPrefix     = "drv-"
	bridgeName   = "labbr"
	labDomain    = "lab"
	netnsDir     = "/run/netns"
	stateFile    = "state.json"
	lockFile     = ".lock"
	sshDir       = "ssh"
	hostsDir     = "hosts"
	identityName = "id_ed25519"
	knownHosts   = "known_hosts"
	loginUser    = "root"
)

// labPaths are the absolute locations of one lab's files and names.
type labPaths struct {
	dir string // absolute state directory
	id  string
}

func newLabPaths(stateDir string) (labPaths, error) {
	if stateDir == "" {
		return labPaths{}, errors.New("lab: no state directory given")
	}
	dir, err := filepath.Abs(stateDir)
	if err != nil {
		return labPaths{}, fmt.Errorf("lab: state directory %s: %w", stateDir, err)
	}
	dir = resolveExisting(dir)
	return labPaths{dir: dir, id: NamespaceID(dir)}, nil
}

// resolveExisting resolves the symbolic links of the longest existing
// ancestor of the absolute path abs, so that a lab has one ID however its
// directory is named, before and after the directory exists.
func resolveExisting(abs string) string {
	rest := ""
	for p := abs; ; p = filepath.Dir(p) {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		if p == filepath.Dir(p) {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// NamespaceID is the lab ID of an absolute state directory (with symbolic
// links resolved): the first 8 hex digits of its SHA-256.
func NamespaceID(absStateDir string) string {
	sum := sha256.Sum256([]byte(absStateDir))
	return hex.EncodeToString(sum[:4])
}

func (p labPaths) outerNetns() string           { return nsPrefix + p.id }
func (p labPaths) hostNetns(name string) string { return nsPrefix + p.id + "-" + name }
func (p labPaths) hostNetnsPrefix() string      { return nsPrefix + p.id + "-" }
func (p labPaths) state() string                { return filepath.Join(p.dir, stateFile) }
func (p labPaths) ssh() string                  { return filepath.Join(p.dir, sshDir) }
func (p labPaths) identity() string             { return filepath.Join(p.ssh(), identityName) }
func (p labPaths) knownHosts() string           { return filepath.Join(p.ssh(), knownHosts) }
func (p labPaths) hostKey(name string) string   { return filepath.Join(p.ssh(), "host_"+name) }
func (p labPaths) hosts() string                { return filepath.Join(p.dir, hostsDir) }
func (p labPaths) host(name string) string      { return filepath.Join(p.hosts(), name) }
func (p labPaths) hostLog(name string) string   { return filepath.Join(p.host(name), "sshd.log") }
func (p labPaths) hostUpper(name string) string { return filepath.Join(p.host(name), "upper") }
func (p labPaths) hostWork(name string) string  { return filepath.Join(p.host(name), "work") }
func (p labPaths) hostRoot(name string) string  { return filepath.Join(p.host(name), "root") }

// readState reads state.json; a missing file is (nil, nil).
func readState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("lab: %s: %w", path, err)
	}
	return &s, nil
}

// writeState writes state.json atomically, and not at all when it already
// holds exactly this state.
func writeState(path string, s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("lab: encode %s: %w", path, err)
	}
	return writeFileIfChanged(path, append(data, '\n'), 0o644)
}

// writeFileIfChanged replaces path atomically (temp file, fsync, rename)
// unless it already has this content and mode.
func writeFileIfChanged(path string, data []byte, mode fs.FileMode) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() == mode {
			return nil
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("lab: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("lab: write %s: %w", path, err)
	}
	return nil
}

// lockDir takes an exclusive lock on the state directory so that two
// drover processes do not build or remove the same lab at once. The
// returned function releases it.
func lockDir(p labPaths) (func(), error) {
	f, err := os.OpenFile(filepath.Join(p.dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lab: lock %s: %w", p.dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lab: lock %s: %w", p.dir, err)
	}
	return func() { f.Close() }, nil
}

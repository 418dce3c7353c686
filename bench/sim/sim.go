// Package sim simulates a fleet of servers, to measure the controller
// alone: every "server" is an x/crypto/ssh server, on one end of an
// in-memory pipe in the controller's process (Dial; pipe.go: no sockets)
// or served from another process on a unix socket (Serve, DialVia), and
// whatever command the controller execs, a fake helper answers on the
// session: the real helper
// protocol (runner/helper's magic line, requests and responses), over a
// fake host backend that has exactly what is asked for. So facts describe
// a host with one interface holding its address, a lock is always free,
// and a plan finds nothing to change (a no-op plan).
//
// Fleet.Dial or DialVia replaces the controller's TCP dialer
// (runner.SSHOverride.Dial); Fleet.KnownHosts and Fleet.IdentityFile are
// the files its SSH settings need. Served in the same process, the
// servers' CPU (key exchange, signatures) and memory count in the
// controller's figures.
package sim

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drover/drover/third_party/xcrypto/ssh"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// Fleet is a set of simulated servers by address.
type Fleet struct {
	// IdentityFile is the client's private key, KnownHosts every server's
	// host key under its address (one line per server, as a real
	// known_hosts of the fleet would be).
	IdentityFile, KnownHosts string

	names  map[string]string // address → server name
	config *ssh.ServerConfig
	wg     sync.WaitGroup
	// Sessions counts helper sessions served, Requests helper requests,
	// PlanBytes the bytes of plan requests (what the controller sent as
	// the hosts' desired state).
	Sessions, Requests, PlanBytes atomic.Int64
	// FirstSession and LastPlan are when (Unix nanoseconds) the first
	// helper session started and the last plan was answered: a run's
	// wall before the first and after the last is the controller's
	// alone (loading, printing).
	FirstSession, LastPlan atomic.Int64
}

// New makes a fleet of the servers (name → address) with its key files
// in dir: made there the first time, read back after (so a process
// serving the fleet, Serve, and the controller's process share them).
func New(dir string, servers map[string]string) (*Fleet, error) {
	f := &Fleet{names: map[string]string{}}
	hostSigner, err := loadOrMakeKey(filepath.Join(dir, "host_key"))
	if err != nil {
		return nil, err
	}
	f.IdentityFile = filepath.Join(dir, "id_ed25519")
	if _, err := loadOrMakeKey(f.IdentityFile); err != nil {
		return nil, err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostSigner.PublicKey())))
	var kh strings.Builder
	for name, addr := range servers {
		f.names[addr] = name
		fmt.Fprintf(&kh, "%s %s\n", addr, line)
	}
	f.KnownHosts = filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(f.KnownHosts, []byte(kh.String()), 0o600); err != nil {
		return nil, err
	}
	f.config = &ssh.ServerConfig{
		PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) { return nil, nil },
		// What Debian 12's OpenSSH agrees on with x/crypto/ssh (measured in
		// the lab): not the heavier ML-KEM hybrid both Go sides prefer.
		Config: ssh.Config{KeyExchanges: []string{"curve25519-sha256"}},
	}
	f.config.AddHostKey(hostSigner)
	return f, nil
}

// loadOrMakeKey reads the ed25519 private key at path, or makes one and
// writes it there (PEM, OpenSSH format, mode 0600).
func loadOrMakeKey(path string) (ssh.Signer, error) {
	if data, err := os.ReadFile(path); err == nil {
		return ssh.ParsePrivateKey(data)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

// Serve answers, until l is closed, connections made by DialVia: each
// names the server it is for on its first line, then speaks SSH. Served
// from another process, the controller's figures (RSS, CPU) are its own.
func (f *Fleet) Serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			host, err := readHeader(c)
			name, ok := f.names[host]
			if err != nil || !ok {
				c.Close()
				return
			}
			f.serve(c, name, host)
		}()
	}
}

// readHeader reads the first line of c a byte at a time, so that none of
// the SSH stream after it is read ahead.
func readHeader(c net.Conn) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < 64 {
		if _, err := c.Read(b); err != nil {
			return "", err
		}
		if b[0] == '\n' {
			return string(line), nil
		}
		line = append(line, b[0])
	}
	return "", fmt.Errorf("sim: header too long")
}

// DialVia is a dialer (runner.SSHOverride.Dial) for a fleet served on
// the unix socket at path by another process (Serve).
func DialVia(path string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		remote, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			return nil, err
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "unix", path)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(c, host+"\n"); err != nil {
			c.Close()
			return nil, err
		}
		return addrConn{c, remote}, nil
	}
}

// Dial connects to the simulated server at addr ("host:port").
func (f *Fleet) Dial(_ context.Context, _, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	name, ok := f.names[host]
	if !ok {
		return nil, fmt.Errorf("sim: no server at %s", addr)
	}
	client, server := pipe()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.serve(server, name, host)
	}()
	remote, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		client.Close()
		return nil, err
	}
	return addrConn{client, remote}, nil
}

// addrConn is a client's end of a socket pair that names the simulated
// server as its remote address, as known_hosts checks expect.
type addrConn struct {
	net.Conn
	remote net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.remote }

// bufferedConn is a connection read through a buffer.
type bufferedConn struct {
	net.Conn
	in *bufio.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.in.Read(p) }

// Wait waits until every server connection has ended.
func (f *Fleet) Wait() { f.wg.Wait() }

// serve runs one SSH server connection. It reads through a buffer:
// x/crypto/ssh reads the client's version line a byte at a time, and
// those read calls are the simulation's cost, not drover's.
func (f *Fleet) serve(c net.Conn, name, addr string) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(bufferedConn{c, bufio.NewReaderSize(c, 4096)}, f.config)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go f.session(ch, creqs, name, addr)
	}
}

// session answers a session's exec with the fake helper.
func (f *Fleet) session(ch ssh.Channel, reqs <-chan *ssh.Request, name, addr string) {
	defer ch.Close()
	started := false
	for r := range reqs {
		ok := r.Type == "exec" && !started
		if r.WantReply {
			r.Reply(ok, nil)
		}
		if ok {
			started = true
			go func() {
				f.Sessions.Add(1)
				f.FirstSession.CompareAndSwap(0, time.Now().UnixNano())
				f.helper(ch, name, addr)
				ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
				ch.Close()
			}()
		}
	}
}

// helper speaks the helper protocol on ch until its stdin ends. A
// request is read as one line and decoded only as far as the answer
// needs (its op, the first member; for a plan, how many resources it
// sends and whether it asks for a brief answer), the rest read and
// dropped: the real helper's decoding runs on the server, not in the
// controller this simulator measures, and a session's largest request
// is not kept for the rest of the run.
func (f *Fleet) helper(ch ssh.Channel, name, addr string) {
	w := bufio.NewWriterSize(ch, 512) // answers are small; every host's session stays open
	w.WriteString(helper.Magic + "\n")
	w.Flush()
	enc := json.NewEncoder(w)
	in := bufio.NewReaderSize(ch, 16<<10)
	for {
		line, err := readLine(in)
		if len(bytes.TrimSpace(line.head)) == 0 {
			if err != nil {
				return
			}
			continue
		}
		if err := line.parseHead(); err != nil {
			enc.Encode(helper.Response{Error: "sim: bad request: " + err.Error()})
		} else {
			f.Requests.Add(1)
			if line.op == helper.OpPlan {
				f.PlanBytes.Add(int64(line.size))
			}
			enc.Encode(answer(name, addr, line))
			if line.op == helper.OpPlan {
				f.LastPlan.Store(time.Now().UnixNano())
			}
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}

// request is what the simulator keeps of a request line: its head (at
// most the reader's buffer), its size, whether it asks for a brief plan,
// and from its head, its op, how many resources it sends (the packed
// encoding's count, which the controller writes second, after the op)
// and whether it sent them in the plain encoding instead.
type request struct {
	head      []byte
	size      int
	brief     bool
	op        string
	resources int
	plain     bool
}

// briefMember is Request.Brief set, which the controller's encoder
// writes after the resources.
var briefMember = []byte(`"brief":true`)

// readLine reads a line: the rest of it beyond the head is read and
// dropped, not gathered. The brief member is looked for near the line's
// end, where the encoder puts it.
func readLine(in *bufio.Reader) (request, error) {
	frag, err := in.ReadSlice('\n')
	r := request{head: bytes.Clone(frag)}
	var end []byte // the line's last bytes so far
	for {
		r.size += len(frag)
		end = append(end, frag[max(0, len(frag)-lineEnd):]...)
		end = bytes.Clone(end[max(0, len(end)-lineEnd):])
		if err != bufio.ErrBufferFull {
			r.brief = bytes.Contains(end, briefMember)
			return r, err
		}
		frag, err = in.ReadSlice('\n')
	}
}

// lineEnd is how many of a line's last bytes are kept to find the brief
// member in.
const lineEnd = 64

// parseHead reads the op from the request's head, and for a packed
// request its count, reading the object no further (the controller
// writes the op first, then the resources).
func (r *request) parseHead() error {
	dec := json.NewDecoder(bytes.NewReader(r.head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("not a JSON object")
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		switch key {
		case "op":
			if err := dec.Decode(&r.op); err != nil {
				return err
			}
			continue
		case "resources":
			r.plain = true
		case "packed":
			if r.op == "" {
				return fmt.Errorf("resources before the op")
			}
			return r.parseCount(dec)
		}
		if r.op != "" {
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	if r.op == "" {
		return fmt.Errorf("no op")
	}
	return nil
}

// parseCount reads the packed encoding's count, its first member.
func (r *request) parseCount(dec *json.Decoder) error {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("packed: not a JSON object")
	}
	if t, err := dec.Token(); err != nil || t != "count" {
		return fmt.Errorf("packed: no count first")
	}
	return dec.Decode(&r.resources)
}

// answer is the fake host's response to a request of op. A plan finds
// every resource as it should be and answers as the real helper does
// for such a host: brief, every resource unchanged by index, with a
// fingerprint. That is exactly the real answer to a plan only shown
// (Request.ShowOnly, what drover plan asks); to a plan for an apply, a
// real helper answers in full the no-ops whose resource its kind
// completes with defaults (a VXLAN member of the fleet benchmark: 51 of
// its 3,034; a server without networks: 7 of 28). A helper asked for a
// full answer would echo every resource back, and one sent the plain
// encoding would read it all; the simulator refuses either instead of
// answering short.
func answer(name, addr string, req request) helper.Response {
	switch req.op {
	case helper.OpFacts:
		return helper.Response{OK: true, Facts: Facts(name, addr)}
	case helper.OpPlan: // the host has everything: nothing to change
		if req.plain {
			return helper.Response{Error: "sim: a plan must send its resources packed (Request.Packed)"}
		}
		if !req.brief && req.resources > 0 {
			return helper.Response{Error: "sim: a plan must ask for a brief answer (Request.Brief)"}
		}
		resp := helper.Response{OK: true, Fingerprint: fingerprint(name)}
		if req.resources > 0 {
			resp.Same = []helper.Run{{From: 0, To: req.resources}}
		}
		return resp
	}
	return helper.Response{OK: true}
}

// fingerprint stands for the hash of a host's state a real plan answers.
func fingerprint(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// Facts are a simulated host's facts: eth0 with its address (a /24 or
// /64), the default route through it, the kinds and programs drover uses.
func Facts(name, addr string) *core.Facts {
	bits := 24
	if a, err := netip.ParseAddr(addr); err == nil && a.Is6() {
		bits = 64
	}
	return &core.Facts{
		Hostname: name, Arch: "amd64", Kernel: "6.1.0-sim", Distribution: "debian 12", Init: "systemd",
		DefaultIface: "eth0",
		Interfaces: []core.Interface{
			{Name: "lo", MTU: 65536, Up: true, Addrs: []string{"127.0.0.1/8"}},
			{Name: "eth0", MTU: 1500, Up: true, Addrs: []string{fmt.Sprintf("%s/%d", addr, bits)}},
		},
		LinkKinds: []string{"bridge", "veth", "vxlan", "macvlan", "wireguard", "gre", "ipip"},
		Commands:  map[string]string{"ping": "/usr/bin/ping", "ip": "/usr/sbin/ip", "nft": "/usr/sbin/nft"},
	}
}

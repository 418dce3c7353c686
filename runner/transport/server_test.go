package transport

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/drover/drover/third_party/xcrypto/ssh"
)

// testServer is an in-process SSH server on 127.0.0.1 that runs session
// commands with /bin/sh as the test user and, when asked, forwards
// direct-tcpip channels like a jump host.
type testServer struct {
	t       *testing.T
	ln      net.Listener
	hostKey ssh.Signer
	port    int

	// Settings, fixed before the first connection.
	noise        string // written to stdout before each command's output
	forward      bool   // accept direct-tcpip channels
	ignoreGlobal bool   // never answer global requests (a hung server)
	version      string // the server's version line, without CR LF; empty: x/crypto/ssh's

	mu         sync.Mutex
	authorized map[string]bool // marshalled public keys
	lastUser   string          // the user of the last accepted key
	// attempts are the authentication requests that were not a
	// query the server accepted: "none", or "publickey" with its outcome.
	attempts []string
	forwards atomic.Int64
	logins   atomic.Int64
	globals  atomic.Int64 // global requests received (keepalives)
	wg       sync.WaitGroup
}

func newTestServer(t *testing.T, configure func(*testServer)) *testServer {
	t.Helper()
	s := &testServer{t: t, hostKey: newSigner(t), authorized: map[string]bool{}}
	if configure != nil {
		configure(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	s.port = ln.Addr().(*net.TCPAddr).Port
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func (s *testServer) authorize(k ssh.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorized[string(k.Marshal())] = true
}

// user is the login name of the last accepted key.
func (s *testServer) user() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastUser
}

func (s *testServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *testServer) serve() {
	defer s.wg.Done()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(m ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.authorized[string(k.Marshal())] {
				s.lastUser = m.User()
				return nil, nil
			}
			return nil, fmt.Errorf("unknown key")
		},
		ServerVersion: s.version,
		AuthLogCallback: func(_ ssh.ConnMetadata, method string, err error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.attempts = append(s.attempts, fmt.Sprintf("%s ok=%t", method, err == nil))
		},
	}
	cfg.AddHostKey(s.hostKey)
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			s.handleConn(nc, cfg)
		}()
	}
}

func (s *testServer) handleConn(nc net.Conn, cfg *ssh.ServerConfig) {
	defer nc.Close()
	sc, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	s.logins.Add(1)
	go func() {
		for req := range reqs {
			s.globals.Add(1)
			if req.WantReply && !s.ignoreGlobal { // ignoreGlobal: never answered
				req.Reply(false, nil)
			}
		}
	}()
	var chanWG sync.WaitGroup
	defer chanWG.Wait()
	for nch := range chans {
		chanWG.Add(1)
		go func() {
			defer chanWG.Done()
			switch nch.ChannelType() {
			case "session":
				s.session(nch)
			case "direct-tcpip":
				s.directTCPIP(nch)
			default:
				nch.Reject(ssh.UnknownChannelType, "unsupported")
			}
		}()
	}
}

// session serves one exec request.
func (s *testServer) session(nch ssh.NewChannel) {
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	var cmd *exec.Cmd
	done := make(chan struct{})
	for req := range reqs {
		switch req.Type {
		case "exec":
			if cmd != nil {
				req.Reply(false, nil)
				continue
			}
			var payload struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
				req.Reply(false, nil)
				continue
			}
			cmd = exec.Command("/bin/sh", "-c", payload.Command)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := s.startCommand(cmd, ch, done); err != nil {
				req.Reply(false, nil)
				return
			}
			req.Reply(true, nil)
		case "signal":
			if cmd != nil && cmd.Process != nil {
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
		default:
			if req.WantReply {
				req.Reply(false, nil)
			}
		}
	}
	// The client closed the channel: make sure the command is gone.
	if cmd != nil && cmd.Process != nil {
		select {
		case <-done:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}

// startCommand runs cmd with its stdio on ch and reports the exit status
// on ch when it ends.
func (s *testServer) startCommand(cmd *exec.Cmd, ch ssh.Channel, done chan struct{}) error {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = ch
	cmd.Stderr = ch.Stderr()
	if s.noise != "" {
		io.WriteString(ch, s.noise)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() {
		io.Copy(stdin, ch)
		stdin.Close()
	}()
	go func() {
		defer close(done)
		err := cmd.Wait()
		status := 0
		if ee, ok := err.(*exec.ExitError); ok {
			status = ee.ExitCode()
			if status < 0 {
				status = 137
			}
		}
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
		ch.Close()
	}()
	return nil
}

// directTCPIP forwards a channel to the address it names, as a jump host.
func (s *testServer) directTCPIP(nch ssh.NewChannel) {
	if !s.forward {
		nch.Reject(ssh.Prohibited, "port forwarding is disabled")
		return
	}
	var p struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	if err := ssh.Unmarshal(nch.ExtraData(), &p); err != nil {
		nch.Reject(ssh.ConnectionFailed, "bad payload")
		return
	}
	target, err := net.Dial("tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))))
	if err != nil {
		nch.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	defer target.Close()
	ch, reqs, err := nch.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	s.forwards.Add(1)
	go ssh.DiscardRequests(reqs)
	copied := make(chan struct{}, 2)
	go func() { io.Copy(target, ch); copied <- struct{}{} }()
	go func() { io.Copy(ch, target); copied <- struct{}{} }()
	<-copied
}

// knownHostsLine is the known_hosts line for this server's key.
func (s *testServer) knownHostsLine() string {
	return fmt.Sprintf("[127.0.0.1]:%d %s", s.port, bytes.TrimSpace(ssh.MarshalAuthorizedKey(s.hostKey.PublicKey())))
}

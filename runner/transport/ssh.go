package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/drover/drover/third_party/xcrypto/ssh"

	"github.com/drover/drover/runner/helper"
)

// sshConn is a Conn over one SSH client connection.
type sshConn struct {
	cfg    Config
	client *ssh.Client
	jump   *sshConn  // bastion we go through, closed with us
	turns  *turnConn // the TCP connection, counting round trips
	auth   io.Closer // ssh-agent connection, if any
	helper helperCache

	closeOnce sync.Once
	closeErr  error
	done      chan struct{}

	mu      sync.Mutex
	lostErr error // why keepAlive gave the connection up

	sudoMu      sync.Mutex
	sudoChecked bool   // checkSudo passed
	sudoPw      string // the password sudo needs, "" = none
}

// DialSSH connects and authenticates to the server of cfg, through cfg.Jump
// when set. The connection is meant to be reused for the whole run.
func DialSSH(ctx context.Context, cfg Config) (Conn, error) {
	c, err := dialSSH(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func dialSSH(ctx context.Context, cfg Config) (*sshConn, error) {
	cfg, src, err := cfg.applySSHConfig()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.withDefaults().label(), err)
	}
	cfg = cfg.withDefaults()
	cfg.logSettings(src)
	var jump *sshConn
	if cfg.Jump != nil {
		cfg.Log.Debug("ssh via jump host", "ssh_host", cfg.Host, "addr", cfg.addr(), "jump", cfg.Jump.Host)
		j, err := dialSSH(ctx, *cfg.Jump)
		if err != nil {
			return nil, fmt.Errorf("%s: via jump host: %w", cfg.label(), err)
		}
		jump = j
	}
	c, err := handshake(ctx, cfg, jump)
	if err != nil {
		if jump != nil {
			jump.Close()
		}
		return nil, err
	}
	return c, nil
}

// handshake dials the TCP connection (through jump when set) and runs the
// SSH handshake, both bounded by cfg.Timeout.
func handshake(ctx context.Context, cfg Config, jump *sshConn) (*sshConn, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, cfg.Timeout, errTimeout)
	defer cancel()
	hlog := newHandshakeLog(cfg)
	auth, err := newAuth(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.label(), err)
	}
	hostKeys, err := newHostKeyChecker(cfg)
	if err != nil {
		auth.Close()
		return nil, fmt.Errorf("%s: %w", cfg.label(), err)
	}
	auth.log, hostKeys.log = hlog, hlog
	start := time.Now()
	raw, err := dialTCP(ctx, cfg, jump)
	if err != nil {
		auth.Close()
		err = dialError(cfg, ctx, err)
		hlog.log.Debug("tcp connect failed", "elapsed", time.Since(start), "err", err)
		return nil, err
	}
	hlog.tcpConnected(raw, jump, time.Since(start))
	counted := newTurnConn(raw)
	raw = counted
	clientCfg := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              auth.methods(),
		HostKeyCallback:   hostKeys.check,
		HostKeyAlgorithms: hostKeys.algorithms(),
		AuthCallback:      hlog.authCallback,
	}
	start = time.Now()
	// NewClientConn takes no context: closing the connection aborts it.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(raw, cfg.addr(), clientCfg)
	interrupted := !stop()
	if err != nil {
		auth.Close()
		err = handshakeError(cfg, ctx, interrupted, err, auth, hostKeys)
		hlog.log.Debug("ssh handshake failed", "elapsed", time.Since(start), "err", err)
		return nil, err
	}
	if interrupted { // the handshake won the race but its connection is closed
		sc.Close()
		auth.Close()
		return nil, dialError(cfg, ctx, context.Cause(ctx))
	}
	hlog.done(sc, cfg.User)
	hlog.log.Debug("ssh handshake done", "elapsed", time.Since(start))
	cfg.Stats.addDial()
	c := &sshConn{cfg: cfg, client: ssh.NewClient(sc, chans, reqs), jump: jump, turns: counted, auth: auth, done: make(chan struct{})}
	if cfg.KeepAlive > 0 {
		go c.keepAlive(cfg.KeepAlive)
	}
	return c, nil
}

var errTimeout = errors.New("timed out")

func dialTCP(ctx context.Context, cfg Config, jump *sshConn) (net.Conn, error) {
	if jump != nil {
		return jump.client.DialContext(ctx, "tcp", cfg.addr())
	}
	if cfg.Dial != nil {
		return cfg.Dial(ctx, "tcp", cfg.addr())
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", cfg.addr())
}

// dialError explains why the TCP connection failed.
func dialError(cfg Config, ctx context.Context, err error) error {
	var netErr net.Error
	switch {
	case errors.Is(context.Cause(ctx), errTimeout),
		// the dialer's deadline (the context's) can pass just before the
		// context's own timer fires
		ctx.Err() == nil && errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("%s: connection timed out after %s", cfg.label(), cfg.Timeout)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: connecting: %w", cfg.label(), context.Cause(ctx))
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s: connection refused (is sshd running and listening on port %d?)", cfg.label(), cfg.Port)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Errorf("%s: no route to host", cfg.label())
	}
	var open *ssh.OpenChannelError
	if errors.As(err, &open) {
		return fmt.Errorf("%s: the jump host could not connect: %s", cfg.label(), open.Message)
	}
	return fmt.Errorf("%s: %w", cfg.label(), err)
}

// handshakeError explains why the SSH handshake failed: a host key problem,
// failed authentication, a timeout, or the server hanging up.
func handshakeError(cfg Config, ctx context.Context, interrupted bool, err error, a *authenticator, hk *hostKeyChecker) error {
	if hkErr := hk.failure(); hkErr != nil {
		return fmt.Errorf("%s: %w", cfg.label(), hkErr)
	}
	if interrupted {
		if errors.Is(context.Cause(ctx), errTimeout) {
			return fmt.Errorf("%s: SSH handshake timed out after %s (is this an SSH server?)", cfg.label(), cfg.Timeout)
		}
		return fmt.Errorf("%s: SSH handshake: %w", cfg.label(), context.Cause(ctx))
	}
	if isAuthFailure(err) {
		return fmt.Errorf("%s: authentication failed for %s (tried: %s)", cfg.label(), cfg.User, a.describe())
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: the server closed the connection during the SSH handshake", cfg.label())
	}
	return fmt.Errorf("%s: %w", cfg.label(), err)
}

// keepAlive sends a keepalive request once the connection has been open
// for an interval, and an interval after each answer, and closes the
// connection when three intervals pass without an answer, so that calls on
// a dead server fail instead of hanging. The first waits an interval, as
// OpenSSH's ServerAliveInterval does: the handshake has just proved the
// server alive, and most connections of a plan are closed well within one
// (a request and its answer at once cost every host of a 10,000-host plan
// two packets and their system calls on both sides, for nothing).
func (c *sshConn) keepAlive(every time.Duration) {
	answered := make(chan struct{}, 1)
	for {
		select {
		case <-c.done:
			return
		case <-time.After(every):
		}
		go func() {
			if _, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil); err == nil {
				answered <- struct{}{}
			}
		}()
		deadline := time.NewTimer(3 * every)
		select {
		case <-c.done:
			deadline.Stop()
			return
		case <-deadline.C:
			c.mu.Lock()
			c.lostErr = fmt.Errorf("the connection was lost: no answer from the server for %s", 3*every)
			c.mu.Unlock()
			c.Close()
			return
		case <-answered:
			deadline.Stop()
		}
	}
}

func (c *sshConn) label() string { return c.cfg.label() }

// lost is why keepAlive gave the connection up, or nil.
func (c *sshConn) lost() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lostErr
}

// start opens a session running cmd. The exec request does not wait for
// the server's reply: the command's stdin may follow at once, in the same
// round trip (a command the server refuses ends without an exit status).
func (c *sshConn) start(cmd string, stderr io.Writer) (*process, error) {
	start := time.Now()
	ch, reqs, err := c.client.OpenChannel("session", nil)
	if err != nil {
		return nil, fmt.Errorf("%s: opening an SSH session: %w", c.label(), err)
	}
	c.cfg.Log.Debug("ssh session open", "ssh_host", c.cfg.Host, "elapsed", time.Since(start), "command", summarize(cmd))
	if _, err := ch.SendRequest("exec", false, ssh.Marshal(struct{ Command string }{cmd})); err != nil {
		ch.Close()
		return nil, fmt.Errorf("%s: starting %s: %w", c.label(), summarize(cmd), err)
	}
	status := make(chan error, 1)
	go func() { status <- exitOf(reqs) }()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		if stderr == nil {
			stderr = io.Discard
		}
		// A small buffer: every host of a run keeps its session open.
		_, _ = io.CopyBuffer(stderr, ch.Stderr(), make([]byte, 1024))
	}()
	kill := sync.OnceFunc(func() {
		_, _ = ch.SendRequest("signal", false, ssh.Marshal(struct{ Signal string }{string(ssh.SIGKILL)}))
		_ = ch.Close()
	})
	return &process{
		stdin:  channelStdin{ch},
		stdout: ch,
		wait: func() error {
			err := <-status
			<-copied
			ch.Close()
			return err
		},
		kill: kill,
		lost: c.lost,
	}, nil
}

// channelStdin is a session's stdin: Close sends EOF, the channel stays.
type channelStdin struct{ ch ssh.Channel }

func (s channelStdin) Write(p []byte) (int, error) { return s.ch.Write(p) }
func (s channelStdin) Close() error                { return s.ch.CloseWrite() }

// exitOf reads a session's requests until the channel closes and returns
// how its command ended: nil, a *RemoteExit, or *ssh.ExitMissingError.
func exitOf(reqs <-chan *ssh.Request) error {
	var exit error = &ssh.ExitMissingError{}
	for r := range reqs {
		switch r.Type {
		case "exit-status":
			var m struct{ Status uint32 }
			if ssh.Unmarshal(r.Payload, &m) == nil {
				exit = nil
				if m.Status != 0 {
					exit = &RemoteExit{Status: int(m.Status)}
				}
			}
		case "exit-signal":
			var m struct {
				Signal     string
				CoreDumped bool
				Error      string
				Lang       string
			}
			if ssh.Unmarshal(r.Payload, &m) == nil {
				exit = &RemoteExit{Status: -1, Signal: m.Signal, Message: m.Error}
			}
		}
		if r.WantReply {
			_ = r.Reply(false, nil)
		}
	}
	return exit
}

// RemoteExit is how a remote command ended when it did not succeed: its
// exit status, or -1 and the signal that killed it.
type RemoteExit struct {
	Status  int
	Signal  string // "KILL", without SIG
	Message string
}

func (e *RemoteExit) Error() string {
	if e.Signal != "" {
		return "Process exited with signal " + e.Signal
	}
	return fmt.Sprintf("Process exited with status %d", e.Status)
}

// Run implements Conn.
func (c *sshConn) Run(ctx context.Context, cmd string, stdin io.Reader) ([]byte, []byte, error) {
	return run(ctx, c, cmd, stdin)
}

// StartHelper implements Conn.
func (c *sshConn) StartHelper(ctx context.Context, bin Binary, first ...helper.Request) (*HelperClient, error) {
	setup := helperSetup{dir: c.cfg.HelperDir, sudo: c.cfg.needsSudo(), stats: c.cfg.Stats, log: c.cfg.Log.With("ssh_host", c.cfg.Host)}
	if setup.sudo {
		pw, err := c.becomePassword(ctx)
		if err != nil {
			return nil, err
		}
		setup.password = pw
	}
	return c.helper.start(ctx, c, setup, bin, first)
}

// becomePassword checks, once per connection, whether sudo needs the
// become password (and that it is right).
func (c *sshConn) becomePassword(ctx context.Context) (string, error) {
	c.sudoMu.Lock()
	defer c.sudoMu.Unlock()
	if !c.sudoChecked {
		pw, err := checkSudo(ctx, c, c.cfg)
		if err != nil {
			return "", err
		}
		c.sudoPw, c.sudoChecked = pw, true
	}
	return c.sudoPw, nil
}

// Close implements Conn; it also closes the jump connection.
func (c *sshConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.closeErr = c.client.Close()
		if c.auth != nil {
			c.auth.Close()
		}
		if c.jump != nil {
			c.jump.Close()
		}
		if errors.Is(c.closeErr, net.ErrClosed) || errors.Is(c.closeErr, os.ErrClosed) {
			c.closeErr = nil
		}
	})
	return c.closeErr
}

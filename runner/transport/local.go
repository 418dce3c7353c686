package transport

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/drover/drover/runner/helper"
)

// LocalConn runs commands and the helper on this machine, for the "local"
// server. Its zero value works; Local makes one.
type LocalConn struct {
	// Become runs the helper with `sudo -n` when drover is not root.
	Become bool
	// HelperDir is where helper binaries live; default DefaultHelperDir.
	HelperDir string
	// Name names the server in messages; default "local".
	Name string
	// Stats, when set, counts helper uploads and starts.
	Stats *Stats

	helper helperCache
}

// Local returns a Conn to this machine.
func Local(become bool) Conn {
	return &LocalConn{Become: become}
}

func (l *LocalConn) label() string {
	if l.Name == "" {
		return "local"
	}
	return l.Name
}

// start runs cmd with /bin/sh in its own process group, so that kill ends
// the command with its children.
func (l *LocalConn) start(cmd string, stderr io.Writer) (*process, error) {
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Stderr = stderr
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := c.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("%s: starting %s: %w", l.label(), summarize(cmd), err)
	}
	return &process{
		stdin:  stdin,
		stdout: stdout,
		wait:   c.Wait,
		kill:   sync.OnceFunc(func() { killGroup(c.Process) }),
	}, nil
}

// Run implements Conn.
func (l *LocalConn) Run(ctx context.Context, cmd string, stdin io.Reader) ([]byte, []byte, error) {
	return run(ctx, l, cmd, stdin)
}

// StartHelper implements Conn.
func (l *LocalConn) StartHelper(ctx context.Context, bin Binary, first ...helper.Request) (*HelperClient, error) {
	dir := l.HelperDir
	if dir == "" {
		dir = DefaultHelperDir
	}
	setup := helperSetup{dir: dir, sudo: l.Become && os.Geteuid() != 0, stats: l.Stats}
	return l.helper.start(ctx, l, setup, bin, first)
}

// Close implements Conn; there is nothing to close.
func (l *LocalConn) Close() error { return nil }

// killGroup kills the process group led by p, unless p has been reaped
// (then its id may belong to someone else by now).
func killGroup(p *os.Process) {
	if p.Signal(syscall.Signal(0)) != nil {
		return
	}
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}

package lab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Dial connects from inside the lab's outer network namespace, where every
// host address is reachable, as the controller's SSH transport does. The
// socket is made on a thread inside that namespace; the connection then
// works from any goroutine. addr should be an IP address and port.
func (s *State) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var conn net.Conn
	err := inNetns(s.Netns, func() error {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		conn = c
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("lab %s: dial %s: %w", s.Netns, addr, err)
	}
	return conn, nil
}

// Exec runs argv inside a running host (its mount, UTS, IPC, network and
// PID namespaces, working directory /root, a login-like environment) with
// nsenter, and waits for it. A non-zero exit is an error wrapping
// *exec.ExitError.
func (s *State) Exec(ctx context.Context, host string, argv []string, stdin io.Reader, stdout, stderr io.Writer) error {
	h, ok := s.Host(host)
	if !ok {
		return fmt.Errorf("lab: no host %q (hosts: %s)", host, strings.Join(s.hostNames(), ", "))
	}
	if len(argv) == 0 {
		return fmt.Errorf("lab host %s: exec: no command", host)
	}
	if s.VM != nil {
		return s.execSSH(ctx, h, argv, stdin, stdout, stderr)
	}
	pid := h.PID
	if !isHostInit(pid, h.Netns) {
		pid = hostInits([]string{h.Netns})[h.Netns]
		if pid == 0 {
			return fmt.Errorf("lab host %s is not running (run drover lab up)", host)
		}
	}
	args := append([]string{"-t", strconv.Itoa(pid), "-m", "-u", "-i", "-n", "-p", "--wdns=/root", "--"}, argv...)
	cmd := exec.CommandContext(ctx, "nsenter", args...)
	cmd.Env = hostEnv
	if term, ok := os.LookupEnv("TERM"); ok {
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], "TERM="+term)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("lab host %s: %s: %w", host, strings.Join(argv, " "), err)
	}
	return nil
}

func (s *State) hostNames() []string {
	var names []string
	for _, h := range s.Hosts {
		names = append(names, h.Name)
	}
	return names
}

// sshBanner connects to a host's sshd from the outer namespace and reads
// its identification line ("SSH-2.0-..."), answering with one of its own
// so that sshd logs a plain disconnect rather than an error.
func (s *State) sshBanner(ctx context.Context, h HostState, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := s.Dial(ctx, "tcp", h.SSHAddr())
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("read SSH banner of %s: %w", h.SSHAddr(), err)
	}
	if !strings.HasPrefix(line, "SSH-") {
		return "", fmt.Errorf("%s answered %q, not an SSH banner", h.SSHAddr(), strings.TrimSpace(line))
	}
	_, _ = io.WriteString(conn, "SSH-2.0-drover-lab-probe\r\n")
	return strings.TrimSpace(line), nil
}

// Polling of a starting sshd.
const (
	sshPollInterval = 10 * time.Millisecond
	sshProbeTimeout = 500 * time.Millisecond
	logTailLines    = 20
)

// waitSSH waits until every host's sshd answers, or its init dies, or
// timeout passes, and marks the hosts up. Errors name the host and carry
// the tail of its log.
func (s *State) waitSSH(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errs := make([]error, len(s.Hosts))
	var wg sync.WaitGroup
	for i := range s.Hosts {
		wg.Add(1)
		go func(h *HostState) {
			defer wg.Done()
			errs[i] = s.waitHost(ctx, h, timeout)
		}(&s.Hosts[i])
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sshPolling is how often waitHost probes sshd and how long one probe
// waits for the banner. An emulated VM's sshd takes about a second to
// answer each connection (it re-executes itself): probes that give up
// sooner pile up unanswered connections until sshd drops them all.
func (s *State) sshPolling() (interval, probe time.Duration) {
	if s.VM != nil {
		return vmSSHPollInterval, vmSSHProbeTimeout
	}
	return sshPollInterval, sshProbeTimeout
}

// alive reports whether a host's init (a VM's qemu) runs.
func (s *State) alive(h HostState) bool {
	if s.VM != nil {
		return s.isVM(h)
	}
	return isHostInit(h.PID, h.Netns)
}

func (s *State) waitHost(ctx context.Context, h *HostState, timeout time.Duration) error {
	for {
		if !s.alive(*h) {
			return fmt.Errorf("lab host %s (%s): its init (pid %d) exited; %s:\n%s",
				h.Name, h.Address, h.PID, h.Log, logTail(h.Log, logTailLines))
		}
		poll, probe := s.sshPolling()
		_, err := s.sshBanner(ctx, *h, probe)
		if err == nil {
			h.Up, h.readyAt = true, time.Now()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lab host %s: sshd on %s does not answer after %s (%v); %s:\n%s",
				h.Name, h.SSHAddr(), timeout, err, h.Log, logTail(h.Log, logTailLines))
		case <-time.After(poll):
		}
	}
}

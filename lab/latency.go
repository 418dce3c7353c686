package lab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Latency in a lab (`drover lab up -rtt 100ms`, SetRTT). The relay runs as
// a process of its own ("drover-lab-relay", this binary re-executed) in the
// lab's outer namespace, listening on 127.0.0.1:relayPort. An nftables
// table there ("drover_relay") redirects every TCP connection made from
// the outer namespace to a host's sshd (address and port) to the relay,
// which finds the original destination (SO_ORIGINAL_DST), waits, and
// dials it with its own connections marked relayMark, which the rule lets
// through. So drover's dialer, OpenSSH and Ansible run in the outer
// namespace all cross the same delaying link, with no change to their
// addresses or known_hosts. Down kills the relay with every other process
// of the lab's namespaces, and the table goes with the namespace.
const (
	relayArg0  = "drover-lab-relay"
	relayPort  = 7022
	relayMark  = 0x2020
	relayTable = "drover_relay"
	relayLog   = "relay.log"
)

func init() {
	if len(os.Args) > 0 && os.Args[0] == relayArg0 {
		err := relayMain(os.Args[1:])
		fmt.Fprintf(os.Stderr, "drover lab relay: %v\n", err)
		os.Exit(1)
	}
}

func (p labPaths) relayLog() string { return filepath.Join(p.dir, relayLog) }

// relayMain runs the relay process: relayMain RTT. It logs one line per
// relayed connection to stdout and only returns on failure.
func relayMain(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: drover-lab-relay RTT")
	}
	rtt, err := time.ParseDuration(args[0])
	if err != nil {
		return err
	}
	ln, err := listenRelay()
	if err != nil {
		return err
	}
	out := &syncWriter{w: os.Stdout}
	r := &Relay{RTT: rtt, Target: originalDst, Dial: markedDial, Done: func(c RelayConn) {
		fmt.Fprintln(out, formatRelayConn(c))
	}}
	fmt.Fprintf(out, "relay pid=%d rtt=%s listening on %s\n", os.Getpid(), rtt, ln.Addr())
	return r.Serve(ln)
}

// formatRelayConn is one line of the lab's relay.log (DIR/.drover/lab/relay.log for drover lab up DIR).
func formatRelayConn(c RelayConn) string {
	line := fmt.Sprintf("conn target=%s turns=%d up=%d down=%d elapsed=%s",
		c.Target, c.Turns, c.Up, c.Down, c.Elapsed.Round(time.Millisecond))
	if c.Err != nil {
		line += " err=" + strconv.Quote(c.Err.Error())
	}
	return line
}

// RelayConns parses the relay's log of the lab in stateDir: every
// connection relayed so far, oldest first.
func RelayConns(stateDir string) ([]RelayConn, error) {
	p, err := newLabPaths(stateDir)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p.relayLog())
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	defer f.Close()
	var out []RelayConn
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if c, ok := parseRelayConn(sc.Text()); ok {
			out = append(out, c)
		}
	}
	return out, sc.Err()
}

func parseRelayConn(line string) (RelayConn, bool) {
	fields := strings.Fields(line)
	if len(fields) < 6 || fields[0] != "conn" {
		return RelayConn{}, false
	}
	var c RelayConn
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "target":
			c.Target = v
		case "turns":
			c.Turns, _ = strconv.Atoi(v)
		case "up":
			c.Up, _ = strconv.ParseInt(v, 10, 64)
		case "down":
			c.Down, _ = strconv.ParseInt(v, 10, 64)
		case "elapsed":
			c.Elapsed, _ = time.ParseDuration(v)
		case "err":
			c.Err = errors.New(v)
		}
	}
	return c, true
}

// originalDst is where a redirected connection was headed.
func originalDst(c net.Conn) (string, error) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return "", errors.New("not a TCP connection")
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return "", err
	}
	var addr string
	var gerr error
	err = raw.Control(func(fd uintptr) {
		// SO_ORIGINAL_DST (80) fills a sockaddr_in; IPv6Mreq is 20 bytes.
		m, err := unix.GetsockoptIPv6Mreq(int(fd), unix.SOL_IP, 80)
		if err != nil {
			gerr = err
			return
		}
		b := m.Multiaddr
		port := int(b[2])<<8 | int(b[3])
		ip := netip.AddrFrom4([4]byte{b[4], b[5], b[6], b[7]})
		addr = net.JoinHostPort(ip.String(), strconv.Itoa(port))
	})
	if err == nil {
		err = gerr
	}
	if err != nil {
		return "", fmt.Errorf("original destination: %w", err)
	}
	return addr, nil
}

// markedDial dials with relayMark, which the redirect lets through.
func markedDial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, relayMark)
		})
		if err == nil {
			err = serr
		}
		return err
	}}
	return d.DialContext(ctx, "tcp", addr)
}

// relayRuleset is the nftables table that sends the hosts' SSH
// connections to the relay (and deletes any previous version of it).
func relayRuleset(hosts []HostState) string {
	var elems []string
	for _, h := range hosts {
		elems = append(elems, fmt.Sprintf("%s . %d", h.Address, h.Port))
	}
	return fmt.Sprintf(`table ip %[1]s
delete table ip %[1]s
table ip %[1]s {
	chain output {
		type nat hook output priority -100; policy accept;
		meta mark 0x%[2]x return
		ip daddr . tcp dport { %[3]s } redirect to :%[4]d
	}
}
`, relayTable, relayMark, strings.Join(elems, ", "), relayPort)
}

// SetRTT puts rtt of round-trip time between the lab's outer namespace
// (the controller's side) and every host's sshd, replacing any relay the
// lab has; rtt 0 removes it. The lab must be up (namespace hosts).
func SetRTT(stateDir string, rtt time.Duration, log io.Writer) error {
	log = orDiscard(log)
	p, err := newLabPaths(stateDir)
	if err != nil {
		return err
	}
	st, err := readState(p.state())
	if err != nil || st == nil {
		return errors.Join(errors.New("lab: no lab is up"), err)
	}
	if st.VM != nil {
		return errors.New("lab: -rtt needs a namespace lab, not -vm")
	}
	if rtt < 0 || rtt > time.Minute {
		return fmt.Errorf("lab: rtt %s out of range (0 to 1m)", rtt)
	}
	unlock, err := lockDir(p)
	if err != nil {
		return err
	}
	defer unlock()
	running := len(relayPIDs(st.Netns)) > 0
	if err := stopRelay(st.Netns); err != nil {
		return err
	}
	if rtt == 0 && !running && st.RTT == "" {
		return nil // nothing to take out (and no need for nft)
	}
	if rtt == 0 {
		if err := clearRelay(st.Netns, true); err != nil {
			return err
		}
		st.RTT = ""
		return writeState(p.state(), st)
	}
	if err := startRelay(p, st.Netns, rtt); err != nil {
		return err
	}
	if err := nftIn(st.Netns, relayRuleset(st.Hosts)); err != nil {
		return err
	}
	st.RTT = rtt.String()
	fmt.Fprintf(log, "lab %s: %s round-trip time to every host's sshd (relay log %s)\n", st.Netns, rtt, p.relayLog())
	return writeState(p.state(), st)
}

// nftIn loads an nftables script in the namespace ns.
func nftIn(ns, script string) error {
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := inNetns(ns, cmd.Start); err != nil {
		return fmt.Errorf("lab %s: nft: %w", ns, err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("lab %s: nft: %w: %s", ns, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// startRelay starts the relay process in the outer namespace and waits
// until it says it listens.
func startRelay(p labPaths, outer string, rtt time.Duration) error {
	logf, err := os.OpenFile(p.relayLog(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	defer logf.Close()
	cmd := &exec.Cmd{
		Path: "/proc/self/exe", Args: []string{relayArg0, rtt.String()},
		Env: hostEnv, Dir: "/", Stdout: logf, Stderr: logf,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := inNetns(outer, cmd.Start); err != nil {
		return fmt.Errorf("lab %s: start relay: %w", outer, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // only reaps
	ready := fmt.Sprintf("relay pid=%d ", cmd.Process.Pid)
	deadline := time.After(10 * time.Second)
	for {
		if log, err := os.ReadFile(p.relayLog()); err == nil && strings.Contains(string(log), ready) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("lab %s: the relay exited (see %s)", outer, p.relayLog())
		case <-deadline:
			_ = cmd.Process.Kill()
			return fmt.Errorf("lab %s: the relay does not listen (see %s)", outer, p.relayLog())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// listenRelay listens on the relay's port, retrying for a while: a relay
// just killed may hold it until its last thread has gone.
func listenRelay() (net.Listener, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(relayPort))
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clearRelay takes out the relay and its redirect, if any, so that Up
// reaches the hosts directly (the CLI sets the round-trip time again).
// Without nft there can be no redirect; had says one is recorded.
func clearRelay(outer string, had bool) error {
	if err := stopRelay(outer); err != nil {
		return err
	}
	if _, err := exec.LookPath("nft"); err != nil && !had {
		return nil
	}
	return nftIn(outer, fmt.Sprintf("table ip %[1]s\ndelete table ip %[1]s\n", relayTable))
}

// relayPIDs are the relay processes running in the outer namespace.
func relayPIDs(outer string) []int {
	ino, err := nsInode(netnsPath(outer))
	if err != nil {
		return nil
	}
	var pids []int
	for _, proc := range scanProcs(map[uint64]bool{ino: true}) {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", proc.pid))
		if err == nil && strings.HasPrefix(string(cmdline), relayArg0+"\x00") {
			pids = append(pids, proc.pid)
		}
	}
	return pids
}

// stopRelay kills the lab's relay, if it runs, and waits for it to end.
func stopRelay(outer string) error {
	pids := relayPIDs(outer)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return wrapErr(waitGone(pids, killTimeout), "lab "+outer+": relay")
}

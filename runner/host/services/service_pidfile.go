package services

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// pidfileBackend runs daemons without an init system: started in their own
// session, tracked by pidfile, stopped with SIGTERM (SIGKILL after
// stopTimeout).
type pidfileBackend struct {
	runDir string
	logDir string
}

const (
	// startSettle is how long a foreground daemon must stay up after
	// start to count as started.
	startSettle = 150 * time.Millisecond
	// pidfileTimeout bounds the wait for a daemon to write its pidfile.
	pidfileTimeout = 10 * time.Second
	stopTimeout    = 10 * time.Second
)

func (b pidfileBackend) ownPidfile(name string) string {
	return filepath.Join(b.runDir, name+".pid")
}

// idFile records the identity of the daemon drover started (see
// processIdentity).
func (b pidfileBackend) idFile(name string) string {
	return filepath.Join(b.runDir, name+".id")
}

func (b pidfileBackend) logFile(name string) string {
	return filepath.Join(b.logDir, name+".log")
}

// pidfile is the daemon's own pidfile when it has one, else drover's.
func (b pidfileBackend) pidfile(r core.Resource, saved map[string]string) string {
	if p := r.Attrs["pidfile"]; p != "" {
		return p
	}
	if p := saved["pidfile"]; p != "" {
		return p
	}
	return b.ownPidfile(r.Name)
}

// status finds the daemon by the identity recorded when drover started
// it; without a live record (a daemon started by an older helper, or
// restarted by hand) it falls back to the pidfile and the command line.
func (b pidfileBackend) status(r core.Resource, saved map[string]string) (serviceStatus, error) {
	st := serviceStatus{restartKey: saved["restart_key"], command: saved["command"]}
	if id, ok := readIdentity(b.idFile(r.Name)); ok && id.alive() {
		st.exists, st.running, st.pid, st.identity = true, true, id.PID, id
		return st, nil
	}
	command := r.Attrs["command"]
	if command == "" {
		command = saved["command"]
	}
	path := b.pidfile(r, saved)
	pid := readPidfile(path)
	st.pid = pid
	st.running = pid > 0 && processAlive(pid) && cmdlineMatches(pid, command)
	if st.running {
		st.identity, _ = identify(pid)
	}
	_, statErr := safefs.Lstat(path)
	st.exists = st.running || saved != nil || statErr == nil
	if saved == nil && st.running {
		st.command = command
	}
	return st, nil
}

func (b pidfileBackend) start(r core.Resource) error {
	argv, err := splitCommand(r.Attrs["command"])
	if err != nil {
		return err
	}
	if len(argv) == 0 {
		return fmt.Errorf("attribute command is empty")
	}
	for _, dir := range []string{b.runDir, b.logDir} {
		if err := host.Mkdirs(dir, 0o755); err != nil {
			return err
		}
	}
	logPath := b.logFile(r.Name)
	logFile, err := safefs.OpenFile(logPath, unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	daemonPidfile := r.Attrs["pidfile"]
	if daemonPidfile != "" {
		safefs.Remove(daemonPidfile) // stale: the daemon is not running
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if u := r.Attrs["user"]; u != "" && u != "root" {
		uid, gid, err := host.LookupOwner(u)
		if err != nil {
			return err
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", r.Attrs["command"], err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if daemonPidfile == "" {
		if err := b.settleForeground(r, cmd.Process.Pid, exited); err != nil {
			return err
		}
		return b.record(r, cmd.Process.Pid)
	}
	err = waitForPidfile(r, daemonPidfile, logPath, exited)
	if err == nil {
		return b.record(r, readPidfile(daemonPidfile))
	}
	// Nothing half-started is left behind: a daemon that never became
	// healthy is stopped with its group, so the next apply starts it
	// afresh.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	if pid := readPidfile(daemonPidfile); pid > 0 && cmdlineMatches(pid, r.Attrs["command"]) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	safefs.Remove(daemonPidfile)
	return err
}

// record writes the identity of the daemon just started.
func (b pidfileBackend) record(r core.Resource, pid int) error {
	id, ok := identify(pid)
	if !ok {
		return fmt.Errorf("%s: PID %d is gone right after it started: %s", r.Attrs["command"], pid, host.LogTail(b.logFile(r.Name)))
	}
	return host.WriteFileAtomic(b.idFile(r.Name), []byte(id.String()), host.RootFile(0o644))
}

func (b pidfileBackend) settleForeground(r core.Resource, pid int, exited <-chan error) error {
	data := []byte(strconv.Itoa(pid) + "\n")
	if err := host.WriteFileAtomic(b.ownPidfile(r.Name), data, host.RootFile(0o644)); err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		return err
	}
	select {
	case err := <-exited:
		return fmt.Errorf("%s exited at once (%v): %s", r.Attrs["command"], err, host.LogTail(b.logFile(r.Name)))
	case <-time.After(startSettle):
		return nil
	}
}

// waitForPidfile waits until a daemon that writes its own pidfile (forking
// or not) names a live process there.
func waitForPidfile(r core.Resource, path, logPath string, exited <-chan error) error {
	deadline := time.Now().Add(pidfileTimeout)
	for time.Now().Before(deadline) {
		if pid := readPidfile(path); pid > 0 && processAlive(pid) && cmdlineMatches(pid, r.Attrs["command"]) {
			return nil
		}
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("%s failed (%v): %s", r.Attrs["command"], err, host.LogTail(logPath))
			}
		case <-time.After(host.PollInterval):
		}
	}
	return fmt.Errorf("%s did not write a live PID to %s within %s: %s", r.Attrs["command"], path, pidfileTimeout, host.LogTail(logPath))
}

// stop ends the daemon and its whole process group (its workers and
// children), found by identity whatever its command line says now.
func (b pidfileBackend) stop(r core.Resource, saved map[string]string) error {
	st, err := b.status(r, saved)
	if err != nil {
		return err
	}
	if st.running {
		if err := stopProcess(st.identity, stopTimeout); err != nil {
			return err
		}
	}
	safefs.Remove(b.idFile(r.Name))
	safefs.Remove(b.ownPidfile(r.Name))
	return nil
}

func (b pidfileBackend) reload(r core.Resource, st serviceStatus) error {
	sig, ok := reloadSignals[r.Attrs["reload"]]
	if !ok {
		sig = syscall.SIGHUP
	}
	if err := syscall.Kill(st.pid, sig); err != nil {
		return fmt.Errorf("%s to PID %d: %w", r.Attrs["reload"], st.pid, err)
	}
	return nil
}

func (pidfileBackend) install(core.Resource) (bool, error) { return false, nil }

func (b pidfileBackend) uninstall(r core.Resource) error {
	safefs.Remove(b.idFile(r.Name))
	if err := safefs.Remove(b.logFile(r.Name)); err != nil {
		return err
	}
	err := safefs.Remove(b.ownPidfile(r.Name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// terminate sends SIGTERM, then SIGKILL after stopTimeout, and waits for
// the process to go.
func terminate(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("SIGTERM to PID %d: %w", pid, err)
	}
	if waitGone(pid, stopTimeout) {
		return nil
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if waitGone(pid, 2*time.Second) {
		return nil
	}
	return fmt.Errorf("PID %d survived SIGKILL", pid)
}

func waitGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !processAlive(pid) {
			return true
		}
		time.Sleep(host.PollInterval)
	}
	return false
}

func readPidfile(path string) int {
	data, err := host.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses, which may
	// itself contain spaces and parentheses.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	state := s[i+2]
	return state != 'Z' && state != 'X'
}

// cmdlineMatches reports whether process pid runs command: the same argv,
// or (for daemons that rewrite their title, like "nginx: master process")
// an argv[0] naming the same program.
func cmdlineMatches(pid int, command string) bool {
	want, err := splitCommand(command)
	if err != nil {
		return false
	}
	if len(want) == 0 {
		return true
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	have := strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
	if strings.Join(have, " ") == strings.Join(want, " ") {
		return true
	}
	// A script runs as its #! interpreter with the script's path first.
	if len(have) > 1 && strings.Join(have[1:], " ") == strings.Join(want, " ") {
		return true
	}
	if len(have) == 0 || have[0] == "" {
		return false
	}
	prog := filepath.Base(want[0])
	return filepath.Base(have[0]) == prog || strings.HasPrefix(have[0], prog+":")
}

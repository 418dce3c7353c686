package helper

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// selfExe runs this very binary, even when a newer upload replaced its
// file since it started.
const selfExe = "/proc/self/exe"

// pollInterval is how often the waiting revert rereads the armed file (a
// confirm, an extended deadline).
const pollInterval = 200 * time.Millisecond

// SpawnRevert starts the detached process that waits for the deadline of
// stateDir's armed revert: "drover-helper revert -spawn" in a new session
// (setsid) starts "drover-helper revert -wait", prints its pid and exits
// at once, so the waiting process has no parent but init (or the pid
// namespace's reaper), no controlling terminal, and outlives the SSH
// session. It returns the waiting process's pid.
func SpawnRevert(stateDir string) (int, error) {
	cmd := exec.Command(selfExe, "revert", "-spawn", "-state", stateDir)
	cmd.Args[0] = "drover-helper" // what ps shows
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("starting the revert process: %w %s", err, stderrOf(err))
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("starting the revert process: it said %q", out)
	}
	return pid, nil
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// SpawnChild is the middle of the double fork: it starts the waiting
// process with its output in the state dir's revert.log, writes its pid on
// out and returns without waiting for it.
func SpawnChild(stateDir string, out io.Writer) error {
	log, err := safefs.OpenFile(filepath.Join(stateDir, "revert.log"), unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(selfExe, "revert", "-wait", "-state", stateDir)
	cmd.Args[0] = "drover-helper"
	cmd.Stdout, cmd.Stderr, cmd.Dir = log, log, "/"
	if err := cmd.Start(); err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, cmd.Process.Pid)
	cmd.Process.Release()
	return err
}

// WaitAndRevert is the waiting revert process: it sleeps until the armed
// deadline (rereading it, as applies extend it) and then puts the
// generation back, unless a confirm (or a newer arm) took the armed file
// first. It logs to w.
func WaitAndRevert(stateDir string, env host.Env, w io.Writer) error {
	for {
		a, err := ReadArmed(stateDir)
		if err != nil {
			return err
		}
		if a == nil || (a.PID != 0 && a.PID != os.Getpid()) {
			fmt.Fprintf(w, "%s: disarmed (confirmed or replaced)\n", clock(time.Now()))
			return nil
		}
		if time.Now().Before(a.Deadline) {
			time.Sleep(min(pollInterval, time.Until(a.Deadline)+time.Millisecond))
			continue
		}
		reason := fmt.Sprintf("not confirmed within %s", time.Duration(a.WindowMS)*time.Millisecond)
		return revertClaimed(stateDir, env, reason, true, w)
	}
}

// RevertNow puts back the open generation at once ("drover-helper
// revert"), disarming a waiting revert.
func RevertNow(stateDir string, env host.Env, w io.Writer) error {
	return revertClaimed(stateDir, env, "asked for on the host (drover-helper revert)", false, w)
}

// revertClaimed claims the armed file and reverts; when armed is set
// and a confirm claimed it first, it does nothing.
func revertClaimed(stateDir string, env host.Env, reason string, armed bool, w io.Writer) error {
	won, err := claim(stateDir, ClaimedFile)
	if err != nil {
		return err
	}
	if !won && armed {
		fmt.Fprintf(w, "%s: disarmed just in time (confirmed)\n", clock(time.Now()))
		return nil
	}
	defer removeState(stateDir, ClaimedFile)
	lock, err := takeLock(stateDir, fmt.Sprintf("drover-helper revert (pid %d): %s", os.Getpid(), reason), w)
	if err != nil {
		rep := &RevertReport{Reason: reason, RevertedAt: time.Now().UTC(), Error: err.Error()}
		writeJSON(stateDir, ReportFile, rep)
		return err
	}
	defer lock.Release()
	rep, err := revertGeneration(stateDir, env, reason)
	if rep == nil && err == nil {
		fmt.Fprintf(w, "%s: nothing recorded to put back\n", clock(time.Now()))
	}
	if rep != nil {
		fmt.Fprintf(w, "%s: %s: put back %d of %d changes of the apply of %s\n", clock(time.Now()), reason, rep.PutBack(), len(rep.Steps), clock(rep.Applied))
		for _, s := range rep.Steps {
			fmt.Fprintf(w, "  %s %s %s\n", s.Action, s.ID, s.Error)
		}
	}
	return err
}

// takeLock takes the host lock for the revert. The helper that holds it
// is most likely the one whose controller was cut off by the change: it
// is stopped (SIGTERM, then SIGKILL) so that the revert does not wait for
// its idle timeout. Only a process that is a drover-helper serving the
// protocol is ever signalled.
func takeLock(stateDir, holder string, w io.Writer) (*host.Lock, error) {
	path := filepath.Join(stateDir, "lock")
	l, err := host.AcquireLock(path, holder)
	if err == nil {
		return l, nil
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		pid := host.LockHolderPID(path)
		if !servingHelper(pid) {
			break
		}
		fmt.Fprintf(w, "%s: stopping the helper that holds the host lock (pid %d, %s)\n", clock(time.Now()), pid, sig)
		syscall.Kill(pid, sig)
		if l, err = host.AcquireLockWait(path, holder, 3*time.Second); err == nil {
			return l, nil
		}
	}
	return host.AcquireLockWait(path, holder, 10*time.Second)
}

// servingHelper reports whether pid is "drover-helper... serve".
func servingHelper(pid int) bool {
	if pid <= 1 || pid == os.Getpid() {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
	if len(args) < 2 || !strings.HasPrefix(filepath.Base(args[0]), "drover-helper") {
		return false
	}
	for _, a := range args[1:] {
		if a == "serve" {
			return true
		}
	}
	return false
}

// waiting reports whether pid is a live "drover-helper revert" process.
func waiting(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true // tests play the waiting process in-process
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(data), "\x00revert\x00")
}

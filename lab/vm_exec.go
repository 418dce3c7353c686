package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// execSSH runs argv on a VM host over SSH (the ssh client, inside the
// outer namespace, with the lab's key and known_hosts and no user
// configuration), as `drover lab exec` does for namespace hosts with
// nsenter. The remote command's exit status becomes the error's
// *exec.ExitError, as with nsenter.
func (s *State) execSSH(ctx context.Context, h HostState, argv []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if !s.isVM(h) {
		pid := vmProcs(labPaths{dir: s.Dir, id: s.ID})[h.Name]
		if pid == 0 {
			return fmt.Errorf("lab VM %s is not running (run drover lab up -vm)", h.Name)
		}
	}
	cmd := exec.CommandContext(ctx, "nsenter", sshArgs(s, h, argv, isTerminal(stdin))...)
	cmd.Env = hostEnv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("lab host %s: %s: %w", h.Name, strings.Join(argv, " "), err)
	}
	return nil
}

// sshArgs are nsenter's arguments for running argv on h over SSH.
func sshArgs(s *State, h HostState, argv []string, tty bool) []string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
	}
	ttyFlag := "-T"
	if tty {
		ttyFlag = "-tt"
	}
	return []string{
		"--net=" + netnsPath(s.Netns), "--",
		"ssh", "-F", "/dev/null", ttyFlag, "-i", s.IdentityFile,
		"-o", "UserKnownHostsFile=" + s.KnownHosts, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
		"-p", strconv.Itoa(h.Port), "-l", s.User, h.Address, "--", strings.Join(quoted, " "),
	}
}

// shellQuote quotes s for a POSIX shell unless it needs no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

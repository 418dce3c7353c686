package host

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// RunCommand runs name with args and returns its stdout. A failure is an
// error naming the command line and carrying its stderr.
func RunCommand(stdin string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), CommandError(cmd, err, stderr.String()+stdout.String())
	}
	return stdout.String(), nil
}

// RunShellFree runs a command line split with strings.Fields and returns
// its combined output.
func RunShellFree(line string) (string, error) {
	argv := strings.Fields(line)
	if len(argv) == 0 {
		return "", fmt.Errorf("empty command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), CommandError(cmd, err, string(out))
	}
	return string(out), nil
}

// maxErrorOutput bounds the command output quoted in an error (its tail).
const maxErrorOutput = 4000

// CommandError is err of cmd as an error naming its command line and
// quoting (the tail of) its output.
func CommandError(cmd *exec.Cmd, err error, output string) error {
	output = strings.TrimSpace(output)
	if len(output) > maxErrorOutput {
		output = "..." + output[len(output)-maxErrorOutput:]
	}
	line := strings.Join(cmd.Args, " ")
	if output == "" {
		return fmt.Errorf("%s: %v", line, err)
	}
	return fmt.Errorf("%s: %v: %s", line, err, output)
}

// PollInterval is how often a kind polls for a process or file it waits
// for (a daemon's pidfile, a userspace WireGuard socket).
const PollInterval = 20 * time.Millisecond

// LogTail returns the last lines of a daemon's log, for error messages.
func LogTail(path string) string {
	data, err := ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	text := strings.TrimSpace(strings.Join(lines, "\n"))
	if text == "" {
		return "(log " + path + " is empty)"
	}
	return text
}

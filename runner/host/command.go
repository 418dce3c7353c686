package host

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// runCommand runs name with args and returns its stdout. A failure is an
// error naming the command line and carrying its stderr.
func runCommand(stdin string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), commandError(cmd, err, stderr.String()+stdout.String())
	}
	return stdout.String(), nil
}

// runShellFree runs a command line split with strings.Fields and returns
// its combined output.
func runShellFree(line string) (string, error) {
	argv := strings.Fields(line)
	if len(argv) == 0 {
		return "", fmt.Errorf("empty command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), commandError(cmd, err, string(out))
	}
	return string(out), nil
}

// maxErrorOutput bounds the command output quoted in an error (its tail).
const maxErrorOutput = 4000

func commandError(cmd *exec.Cmd, err error, output string) error {
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

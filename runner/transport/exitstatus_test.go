package transport

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/drover/drover/third_party/xcrypto/ssh"
)

// exitStatus tells a killed helper from a dropped session and a plain exit.
func TestExitStatusSaysHowTheHelperEnded(t *testing.T) {
	killed := exec.Command("/bin/sh", "-c", "kill -9 $$").Run()
	failed := exec.Command("/bin/sh", "-c", "exit 3").Run()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "status 0"},
		{killed, "killed by signal KILL"},
		{failed, "status 3"},
		{fmt.Errorf("wait: %w", &ssh.ExitMissingError{}), "its SSH session closed without an exit status"},
	} {
		if got := exitStatus(tc.err); !strings.HasPrefix(got, tc.want) {
			t.Errorf("exitStatus(%v) = %q, want it to start with %q", tc.err, got, tc.want)
		}
	}
}

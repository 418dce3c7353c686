package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// sudoPrompt is the prompt drover gives sudo -S: its presence on stderr
// after a failure tells a refused password from other sudo errors.
const sudoPrompt = "[drover-sudo-password]"

// Become password sources, as the CLI reads them (documented in the
// README): the variable holds the password, the file's first line does.
const (
	BecomePasswordEnv     = "DROVER_BECOME_PASSWORD"
	BecomePasswordFileEnv = "DROVER_BECOME_PASSWORD_FILE"
)

// sudoPrefix is the command prefix that runs a script as root: sudo -n
// when sudo needs no password, else sudo -S reading the password from the
// first line of stdin. -k makes sudo ask every time, so that the password
// line is always consumed, never passed on to the script.
func sudoPrefix(withPassword bool) string {
	if withPassword {
		return "sudo -k -S -p " + shellQuote(sudoPrompt) + " "
	}
	return "sudo -n "
}

// passwordLine prefixes stdin with the sudo password line when there is a
// password.
func passwordLine(password string, stdin io.Reader) io.Reader {
	if password == "" {
		return stdin
	}
	line := strings.NewReader(password + "\n")
	if stdin == nil {
		return line
	}
	return io.MultiReader(line, stdin)
}

// checkSudo finds out, once per connection, how sudo runs on the server:
// without a password (returns ""), or with cfg.BecomePassword, which it
// verifies with a command that does nothing, so that a wrong password
// fails clearly before anything reads the helper's stdin.
func checkSudo(ctx context.Context, s starter, cfg Config) (string, error) {
	if _, _, err := run(ctx, s, "sudo -n true", nil); err == nil {
		return "", nil
	}
	if cfg.BecomePassword == "" {
		return "", fmt.Errorf("%s: sudo asks %s for a password (become = true): set %s or %s, run drover on a terminal to be asked for it (-ask-become-pass), or allow %s passwordless sudo (NOPASSWD in sudoers)",
			s.label(), cfg.User, BecomePasswordEnv, BecomePasswordFileEnv, cfg.User)
	}
	_, stderr, err := run(ctx, s, sudoPrefix(true)+"true", passwordLine(cfg.BecomePassword, nil))
	if err == nil {
		return cfg.BecomePassword, nil
	}
	if ctx.Err() != nil {
		return "", err
	}
	msg := strings.TrimSpace(strings.ReplaceAll(string(stderr), sudoPrompt, ""))
	if bytes.Contains(stderr, []byte(sudoPrompt)) && !strings.Contains(msg, "sudoers") {
		return "", fmt.Errorf("%s: sudo refused the become password for %s (%s)", s.label(), cfg.User, oneLine(msg))
	}
	var ee *ExitError
	if errors.As(err, &ee) && msg != "" {
		return "", fmt.Errorf("%s: sudo as %s failed: %s", s.label(), cfg.User, oneLine(msg))
	}
	return "", err
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// promptFilter drops sudo's prompt from a command's stderr, so that error
// messages show only what the command said.
type promptFilter struct{ w io.Writer }

func (f promptFilter) Write(p []byte) (int, error) {
	if _, err := f.w.Write(bytes.ReplaceAll(p, []byte(sudoPrompt), nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}

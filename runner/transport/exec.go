package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"

	"github.com/drover/drover/third_party/xcrypto/ssh"
)

// process is a started remote or local command with piped stdin and stdout.
type process struct {
	stdin  io.WriteCloser
	stdout io.Reader
	wait   func() error // waits for the exit; call once, after stdout is drained
	kill   func()       // ends the command early; safe to call more than once
	// lost, when set, says why the connection under the command was
	// given up (no answer to keepalives), or returns nil.
	lost func() error
}

// lostConnection is why p's connection was given up, or nil.
func (p *process) lostConnection() error {
	if p.lost == nil {
		return nil
	}
	return p.lost()
}

// starter starts shell commands on one server; sshConn and LocalConn are
// starters, which lets Run and the helper bootstrap share their code.
type starter interface {
	start(cmd string, stderr io.Writer) (*process, error)
	label() string
}

// ExitError is a command that ran but failed.
type ExitError struct {
	Server string // "s1 (198.51.100.1:22)"
	Cmd    string
	Code   int // -1 when the command died without an exit status
	Stderr string
}

func (e *ExitError) Error() string {
	status := fmt.Sprintf("exited with status %d", e.Code)
	if e.Code < 0 {
		status = "died without an exit status"
	}
	msg := fmt.Sprintf("%s: %s %s", e.Server, summarize(e.Cmd), status)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

// run runs cmd on s, feeding it stdin, and collects its output. When ctx
// ends it stops the command and returns at once: it does not wait for the
// server to confirm, since OpenSSH ignores signals in root sessions and
// keeps them open until the command ends.
func run(ctx context.Context, s starter, cmd string, stdin io.Reader) ([]byte, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", s.label(), summarize(cmd), err)
	}
	var stderr lockedBuffer
	p, err := s.start(cmd, &stderr)
	if err != nil {
		return nil, nil, err
	}
	go feed(p.stdin, stdin)
	type result struct {
		stdout           []byte
		readErr, waitErr error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.stdout, r.readErr = io.ReadAll(p.stdout)
		r.waitErr = p.wait()
		done <- r
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		p.kill()
		return nil, stderr.Bytes(), fmt.Errorf("%s: %s: %w", s.label(), summarize(cmd), context.Cause(ctx))
	}
	errOut := stderr.Bytes()
	if r.waitErr != nil {
		return r.stdout, errOut, exitError(s.label(), cmd, r.waitErr, errOut)
	}
	if r.readErr != nil {
		return r.stdout, errOut, fmt.Errorf("%s: %s: reading output: %w", s.label(), summarize(cmd), r.readErr)
	}
	return r.stdout, errOut, nil
}

// feed copies r (nil for nothing) into the command's stdin and closes it.
func feed(w io.WriteCloser, r io.Reader) {
	if r != nil {
		_, _ = io.Copy(w, r) // a command that stops reading is not an error
	}
	_ = w.Close()
}

// exitError turns the error of a command's wait into an *ExitError, or
// names the server on other errors (a lost connection).
func exitError(server, cmd string, err error, stderr []byte) error {
	if code, ok := exitCode(err); ok {
		return &ExitError{Server: server, Cmd: cmd, Code: code, Stderr: string(stderr)}
	}
	return fmt.Errorf("%s: %s: %w", server, summarize(cmd), err)
}

// exitCode extracts the exit status from the error of a local or remote
// wait: -1 when the command died without one, ok false when err is not
// about the command's exit at all.
func exitCode(err error) (code int, ok bool) {
	var sshExit *ssh.ExitError
	var remote *RemoteExit
	var localExit *exec.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case errors.As(err, &remote):
		return remote.Status, true
	case errors.As(err, &sshExit):
		return sshExit.ExitStatus(), true
	case errors.As(err, &localExit):
		return localExit.ExitCode(), true
	case errors.As(err, &missing):
		return -1, true
	}
	return 0, false
}

// summarize shortens a command for messages: its first line, at most 60
// characters, in backquotes.
func summarize(cmd string) string {
	line, _, multi := strings.Cut(strings.TrimSpace(cmd), "\n")
	if len(line) > 60 {
		line, multi = line[:57], true
	}
	if multi {
		line += " ..."
	}
	return "`" + line + "`"
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// tailBuffer keeps the last max bytes written to it: a helper's stderr.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String is the kept tail, trimmed, starting at a line boundary when it
// was cut.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.buf)
	if len(t.buf) >= t.max {
		if _, rest, ok := strings.Cut(s, "\n"); ok {
			s = "..." + rest
		}
	}
	return strings.TrimSpace(s)
}

package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/drover/drover/third_party/xcrypto/ssh"
	"golang.org/x/sys/unix"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// How long Close waits for the helper to exit after closing its stdin, and
// then after killing it.
const (
	closeGrace = 10 * time.Second
	killGrace  = 2 * time.Second
)

// HelperClient talks to one running drover-helper. Calls are serialised:
// the protocol answers one request at a time.
type HelperClient struct {
	server string
	proc   *process
	stderr *tailBuffer

	lines    chan []byte   // stdout lines; closed at EOF
	stopRead chan struct{} // closed by Close: discard further output
	exited   chan struct{} // closed once the helper has exited
	waitErr  error         // the helper's exit, valid after exited

	mu     sync.Mutex // one Call at a time
	broken error      // set once the helper cannot be used any more
	// primed are the requests written with the helper's start, before
	// its magic line (pipelined, StartHelper's first), whose answers
	// are still to be read; Call of the same request, or Answer, reads
	// its answer.
	primed []primedRequest
	seed   maphash.Seed // of the primed requests' hashes

	killOnce  sync.Once
	killed    atomic.Bool // stopped by us, not by itself
	closeOnce sync.Once
	closeErr  error
}

func newHelperClient(server string, p *process, stderr *tailBuffer) *HelperClient {
	c := &HelperClient{
		server:   server,
		proc:     p,
		stderr:   stderr,
		lines:    make(chan []byte, 16),
		stopRead: make(chan struct{}),
		exited:   make(chan struct{}),
	}
	go c.read()
	return c
}

// read forwards stdout lines until EOF, then waits for the exit.
func (c *HelperClient) read() {
	br := bufio.NewReaderSize(c.proc.stdout, 4<<10) // ReadBytes grows past it for long lines; small per idle host
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			select {
			case c.lines <- line:
			case <-c.stopRead:
				_, _ = io.Copy(io.Discard, br)
				err = io.EOF
			}
		}
		if err != nil {
			break
		}
	}
	close(c.lines)
	c.waitErr = c.proc.wait()
	close(c.exited)
}

// awaitMagic skips login-shell noise up to the helper's magic line. It
// returns the server's machine type instead when the bootstrap snippet
// reports that the helper must be uploaded.
func (c *HelperClient) awaitMagic(ctx context.Context) (string, error) {
	var noise []string
	for {
		var line []byte
		var ok bool
		select {
		case line, ok = <-c.lines:
		case <-ctx.Done():
			return "", fmt.Errorf("%s: starting the helper: %w", c.server, context.Cause(ctx))
		}
		if !ok {
			break
		}
		text := strings.TrimRight(string(line), "\r\n")
		if i := strings.Index(text, magicPrefix); i >= 0 {
			return "", c.checkMagic(text[i:])
		}
		if _, machine, ok := strings.Cut(text, needHelperMarker); ok {
			return strings.TrimSpace(machine), nil
		}
		if len(noise) < 5 {
			noise = append(noise, text)
		}
	}
	select {
	case <-c.exited:
	case <-ctx.Done():
		return "", fmt.Errorf("%s: starting the helper: %w", c.server, context.Cause(ctx))
	}
	msg := fmt.Sprintf("%s: the helper did not start (%s)", c.server, exitStatus(c.waitErr))
	if tail := c.stderr.String(); tail != "" {
		msg += ": " + tail
		if strings.Contains(tail, "sudo") && strings.Contains(tail, "password") {
			msg += " (become = true needs passwordless sudo, or the become password: see " + BecomePasswordEnv + ")"
		}
	}
	if len(noise) > 0 {
		msg += "; its output began: " + strings.Join(noise, " | ")
	}
	return "", errors.New(msg)
}

func (c *HelperClient) checkMagic(magic string) error {
	if magic == helper.Magic {
		return nil
	}
	theirs := strings.TrimPrefix(magic, magicPrefix)
	return fmt.Errorf("%s: the helper speaks protocol %s, this drover speaks %d; the helper binary does not belong to this drover",
		c.server, theirs, helper.Version)
}

// Call sends req and reads the answer: Event lines go to onEvent (which may
// be nil), the Response ends the call. A Response with OK false is returned
// together with an error carrying its message. When ctx ends during the
// call the helper is stopped and the client cannot be used again.
func (c *HelperClient) Call(ctx context.Context, req helper.Request, onEvent func(helper.Event)) (helper.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return helper.Response{}, c.broken
	}
	line, err := encodeRequest(req)
	if err != nil {
		return helper.Response{}, fmt.Errorf("%s: encoding the %q request: %w", c.server, req.Op, err)
	}
	if len(c.primed) > 0 && c.primed[0] == primedOf(c.seed, line) {
		// Sent with the helper's start (pipelined): only its answer is due.
		c.primed = c.primed[1:]
		return c.exchange(ctx, req.Op, nil, onEvent)
	}
	for len(c.primed) > 0 { // answers to pipelined requests nobody asked for
		c.primed = c.primed[1:]
		if _, err := c.exchange(ctx, "(pipelined)", nil, nil); err != nil && c.broken != nil {
			return helper.Response{}, c.broken
		}
	}
	return c.exchange(ctx, req.Op, append(line, '\n'), onEvent)
}

// encodeRequest is json.Marshal(req) with the resources (thousands in a
// plan request) sent packed, by core.AppendPackedJSON rather than by
// reflection: byte for byte json.Marshal of the request with Packed in
// place of Resources.
func encodeRequest(req helper.Request) ([]byte, error) {
	if len(req.Resources) == 0 {
		return json.Marshal(req)
	}
	// The other fields by reflection, the op left empty: Op, Resources
	// and Packed come first, in that order, and Op is never omitted.
	rest := req
	rest.Op, rest.Resources, rest.Packed = "", nil, nil
	tail, err := json.Marshal(rest)
	if err != nil {
		return nil, err
	}
	const emptyOp = `{"op":""`
	if !bytes.HasPrefix(tail, []byte(emptyOp)) { // not so: as it was
		return json.Marshal(req)
	}
	line := append(make([]byte, 0, 64), `{"op":`...)
	line = core.AppendJSONString(line, req.Op)
	line = append(line, `,"packed":`...)
	line = core.AppendPackedJSON(line, req.Resources)
	return append(line, tail[len(emptyOp):]...), nil
}

// Answer reads the answer to the first request sent with the helper's
// start (StartHelper's first), of op, without encoding it again: a plan
// request of a host with thousands of resources is megabytes.
func (c *HelperClient) Answer(ctx context.Context, op string, onEvent func(helper.Event)) (helper.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return helper.Response{}, c.broken
	}
	if len(c.primed) == 0 {
		return helper.Response{}, fmt.Errorf("%s: no request was sent with the helper's start", c.server)
	}
	c.primed = c.primed[1:]
	return c.exchange(ctx, op, nil, onEvent)
}

// primedRequest identifies a request sent with the helper's start by its
// length and a hash of its encoding, not by the bytes, which a plan
// request would keep for its whole round trip.
type primedRequest struct {
	size int
	sum  uint64
}

func primedOf(seed maphash.Seed, line []byte) primedRequest {
	return primedRequest{len(line), maphash.Bytes(seed, line)}
}

// exchange writes line (nil = nothing, the request was sent before) and
// reads the answer to it.
func (c *HelperClient) exchange(ctx context.Context, op string, line []byte, onEvent func(helper.Event)) (helper.Response, error) {
	stop := context.AfterFunc(ctx, c.kill)
	defer stop()
	// Write in the background: a helper that stopped reading must not
	// block a cancelled call.
	var wrote chan error
	if line != nil {
		wrote = make(chan error, 1)
		go func() {
			_, err := c.proc.stdin.Write(line)
			wrote <- err
		}()
	}
	for {
		var line []byte
		var ok bool
		select {
		case err := <-wrote:
			if err != nil {
				return helper.Response{}, c.fail(ctx, op)
			}
			wrote = nil
			continue
		case <-ctx.Done():
			return helper.Response{}, c.fail(ctx, op)
		case line, ok = <-c.lines:
		}
		if !ok {
			return helper.Response{}, c.fail(ctx, op)
		}
		var env helper.Envelope
		if err := json.Unmarshal(line, &env); err != nil {
			return helper.Response{}, c.protocolError(op, line)
		}
		if env.Event != "" {
			var ev helper.Event
			if err := json.Unmarshal(line, &ev); err != nil {
				return helper.Response{}, c.protocolError(op, line)
			}
			if onEvent != nil {
				onEvent(ev)
			}
			continue
		}
		var resp helper.Response
		if err := json.Unmarshal(line, &resp); err != nil {
			return helper.Response{}, c.protocolError(op, line)
		}
		if !stop() { // ctx ended just now, and the helper with it
			c.broken = fmt.Errorf("%s: the helper was stopped when a %q request was cancelled", c.server, op)
		}
		if !resp.OK {
			return resp, fmt.Errorf("%s: %s failed: %s", c.server, op, resp.Error)
		}
		return resp, nil
	}
}

// fail explains why the helper stopped answering during op and marks the
// client unusable.
func (c *HelperClient) fail(ctx context.Context, op string) error {
	if ctx.Err() != nil {
		c.kill()
		c.broken = fmt.Errorf("%s: the helper was stopped when a %q request was cancelled", c.server, op)
		return fmt.Errorf("%s: %s: %w", c.server, op, context.Cause(ctx))
	}
	c.kill() // the helper closed stdout or stdin: make sure it is gone
	select {
	case <-c.exited:
	case <-time.After(killGrace):
	}
	msg := fmt.Sprintf("%s: the helper died during %q (%s)", c.server, op, exitStatus(c.waitErr))
	if lost := c.proc.lostConnection(); lost != nil {
		msg = fmt.Sprintf("%s: %v during %q; what the helper was doing may still finish on the server (the next plan shows it)", c.server, lost, op)
	}
	if tail := c.stderr.String(); tail != "" {
		msg += ": " + tail
	}
	c.broken = errors.New(msg)
	return c.broken
}

func (c *HelperClient) protocolError(op string, line []byte) error {
	c.kill()
	shown := bytes.TrimSpace(line)
	if len(shown) > 200 {
		shown = append(shown[:200:200], "..."...)
	}
	c.broken = fmt.Errorf("%s: the helper answered %q with a line that is not protocol JSON: %q", c.server, op, shown)
	return c.broken
}

// kill stops the helper at once.
func (c *HelperClient) kill() {
	c.killOnce.Do(func() {
		c.killed.Store(true)
		c.proc.kill()
	})
}

// Close closes the helper's stdin, which ends it, and waits for it to exit
// (killing it if it does not within 10s). It returns an error when the
// helper exited abnormally on its own.
func (c *HelperClient) Close() error {
	c.closeOnce.Do(func() {
		close(c.stopRead)
		_ = c.proc.stdin.Close()
		select {
		case <-c.exited:
		case <-time.After(closeGrace):
			c.kill()
			select {
			case <-c.exited:
			case <-time.After(killGrace):
				c.closeErr = fmt.Errorf("%s: the helper did not exit", c.server)
				return
			}
		}
		if c.waitErr != nil && !c.killed.Load() {
			msg := fmt.Sprintf("%s: the helper exited abnormally (%s)", c.server, exitStatus(c.waitErr))
			if tail := c.stderr.String(); tail != "" {
				msg += ": " + tail
			}
			c.closeErr = errors.New(msg)
		}
	})
	return c.closeErr
}

// exitStatus describes how a command ended: "status 2", "killed by
// signal KILL", or that the SSH session closed without saying.
func exitStatus(err error) string {
	if err == nil {
		return "status 0"
	}
	var sshExit *ssh.ExitError
	var remote *RemoteExit
	var localExit *exec.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case errors.As(err, &remote) && remote.Signal != "":
		return "killed by signal " + remote.Signal
	case errors.As(err, &sshExit) && sshExit.Signal() != "":
		return "killed by signal " + sshExit.Signal()
	case errors.As(err, &localExit) && localExit.ExitCode() < 0:
		if ws, ok := localExit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "killed by signal " + strings.TrimPrefix(unix.SignalName(ws.Signal()), "SIG")
		}
		return "killed"
	case errors.As(err, &missing):
		return "its SSH session closed without an exit status: the connection dropped or sshd ended the session"
	}
	code, ok := exitCode(err)
	switch {
	case !ok:
		return err.Error()
	case code < 0:
		return "killed"
	}
	return fmt.Sprintf("status %d", code)
}

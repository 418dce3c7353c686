package helper

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/kinds"
	"github.com/drover/drover/runner/host/safefs"
)

// ServerOptions configure the helper's side of the protocol.
type ServerOptions struct {
	// StateDir holds manifest.json and the lock file (default
	// /var/lib/drover).
	StateDir string
	// Env is where services keep pidfiles and logs and which service
	// backend runs; the zero value means host.DefaultEnv().
	Env host.Env
	// IdleTimeout overrides the protocol's IdleTimeout (tests); negative
	// means never.
	IdleTimeout time.Duration
	// Spawn starts the detached process that waits for an armed revert's
	// deadline and returns its pid (default SpawnRevert; tests replace
	// it).
	Spawn func(stateDir string) (int, error)
}

// DefaultStateDir is where a helper keeps its manifest and lock.
const DefaultStateDir = "/var/lib/drover"

// Serve runs the protocol: it writes Magic, then answers each JSON request
// line of in with zero or more Event lines and one Response line on out. It
// returns when in is exhausted (nil) or out fails. A lock taken with OpLock
// is held until Serve returns.
//
// OpApply writes one Event per change given, no-ops included (a no-op
// only records the resource in the manifest, so that drover deletes it
// once it is no longer declared). Its Fingerprint is recomputed over the
// resources of the changes given, so a client must send all of the plan's
// changes, no-ops included, for a fingerprint to match. Without OpLock
// first, OpApply takes the lock for its own duration.
func Serve(in io.Reader, out io.Writer, opts ServerOptions) error {
	s := newSession(out, opts)
	defer s.close()
	if _, err := io.WriteString(out, Magic+"\n"); err != nil {
		return err
	}
	lines := readLines(in)
	idle := opts.IdleTimeout
	if idle == 0 {
		idle = IdleTimeout
	}
	for {
		var l line
		select {
		case l = <-lines:
		case <-s.idleTimer(idle):
			return fmt.Errorf("no word from the controller for %s while holding the host lock: released it", idle)
		}
		if len(bytes.TrimSpace(l.data)) > 0 {
			if err := s.handleLine(l.data); err != nil {
				return err
			}
		}
		if errors.Is(l.err, io.EOF) {
			return nil
		}
		if l.err != nil {
			return l.err
		}
	}
}

// line is one request line read from the controller, or the read's end.
type line struct {
	data []byte
	err  error
}

// readLines reads request lines in the background, so that Serve can also
// notice a controller that went silent.
func readLines(in io.Reader) <-chan line {
	out := make(chan line)
	go func() {
		r := bufio.NewReader(in)
		for {
			data, err := r.ReadBytes('\n')
			out <- line{data, err}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// idleTimer fires after d when this session holds the host lock; without
// the lock a silent controller harms nobody, and it never fires.
func (s *session) idleTimer(d time.Duration) <-chan time.Time {
	if s.lock == nil || d < 0 {
		return nil
	}
	return time.After(d)
}

// session is one helper process's conversation with its controller.
type session struct {
	enc      *json.Encoder
	stateDir string
	env      host.Env
	kinds    host.Kinds
	checks   host.Checks
	lock     *host.Lock
	// probed are the creatable link kinds, once known: probed once per
	// boot and module index (linkkinds.go).
	probed []string
	// steps counts the changes (not no-ops) this session applied, and
	// fault is the test-only fault plan (fault.go), read at the first
	// apply.
	steps int
	fault *faultPlan
	// holder names who holds the lock (for an armed revert's record);
	// spawn starts the waiting revert process.
	holder string
	spawn  func(stateDir string) (int, error)
	// generation is the apply generation this session applies (its
	// armed revert is extended while the controller talks to it).
	generation string
}

func newSession(out io.Writer, opts ServerOptions) *session {
	if opts.StateDir == "" {
		opts.StateDir = DefaultStateDir
	}
	env := opts.Env
	if env == (host.Env{}) {
		env = host.DefaultEnv()
	}
	spawn := opts.Spawn
	if spawn == nil {
		spawn = SpawnRevert
	}
	return &session{enc: json.NewEncoder(out), stateDir: opts.StateDir, env: env, kinds: kinds.New(env), checks: kinds.Checks(), spawn: spawn}
}

func (s *session) close() { s.lock.Release() }

func (s *session) manifestPath() string { return filepath.Join(s.stateDir, "manifest.json") }
func (s *session) lockPath() string     { return filepath.Join(s.stateDir, "lock") }

// handleLine answers one request; only a failure to write is returned.
func (s *session) handleLine(line []byte) error {
	var req Request
	if err := json.Unmarshal(line, &req); err != nil {
		return s.enc.Encode(Response{Error: fmt.Sprintf("bad request line: %v", err)})
	}
	if err := req.Unpack(); err != nil {
		return s.enc.Encode(Response{Error: fmt.Sprintf("bad request line: %v", err)})
	}
	resp, err := s.handle(req)
	if err != nil {
		return err
	}
	return s.enc.Encode(resp)
}

// handle dispatches a request. A panic in a kind becomes an error answer
// rather than a dead helper.
func (s *session) handle(req Request) (resp Response, writeErr error) {
	defer func() {
		if p := recover(); p != nil {
			resp = fail(fmt.Errorf("internal error in %s: %v", req.Op, p))
		}
	}()
	switch req.Op {
	case OpFacts:
		return s.facts(), nil
	case OpPlan:
		return s.plan(req), nil
	case OpApply:
		return s.apply(req)
	case OpCheck:
		return s.check(req), nil
	case OpManifest:
		return s.manifest(), nil
	case OpLock:
		return s.takeLock(req), nil
	case OpPing:
		return Response{OK: true}, nil
	case OpArm:
		return s.locked("arm", func() Response { return s.arm(req) }), nil
	case OpConfirm:
		return s.locked("confirm", func() Response { return s.confirm(req) }), nil
	case OpRevert:
		return s.locked("revert", func() Response { return s.revertNow(req) }), nil
	}
	return fail(fmt.Errorf("unknown op %q (this helper speaks protocol %d)", req.Op, Version)), nil
}

func fail(err error) Response { return Response{Error: err.Error()} }

func (s *session) facts() Response {
	f, err := host.GatherFactsWith(s.linkKinds())
	if err != nil {
		return fail(fmt.Errorf("facts: %w", err))
	}
	if m, err := host.LoadManifest(s.manifestPath()); err == nil {
		f.Outputs = host.ManifestOutputs(s.kinds, m)
	}
	s.rescue()
	resp := Response{OK: true, Facts: &f}
	resp.Armed, _ = ReadArmed(s.stateDir)
	resp.Report, _ = ReadReport(s.stateDir)
	return resp
}

func (s *session) plan(req Request) Response {
	m, err := host.LoadManifest(s.manifestPath())
	if err != nil {
		return fail(err)
	}
	changes, fp, err := host.Plan(s.kinds, req.Resources, m, req.Owners)
	if err != nil {
		return fail(err)
	}
	resp := Response{OK: true, Changes: changes, Fingerprint: fp}
	if req.Brief {
		resp.Changes, resp.Same = brief(req.Resources, changes, req.ShowOnly)
	}
	return resp
}

func (s *session) apply(req Request) (Response, error) {
	read := time.Now()
	if s.lock == nil {
		if err := s.acquire(fmt.Sprintf("drover-helper apply (pid %d)", os.Getpid())); err != nil {
			return fail(err), nil
		}
		defer s.releaseLock()
	}
	m, err := host.LoadManifest(s.manifestPath())
	if err != nil {
		return fail(err), nil
	}
	if err := s.gateApply(req, m); err != nil {
		return fail(err), nil
	}
	if req.Fingerprint != "" {
		fp, err := host.Fingerprint(s.kinds, req.Changes, m)
		if err != nil {
			return fail(err), nil
		}
		if fp != req.Fingerprint {
			return fail(errors.New("host changed since the plan was made: plan again")), nil
		}
	}
	var applied []core.Change
	fault := s.faultPlan()
	for i, c := range req.Changes {
		start := time.Now()
		if i > 0 && start.Sub(read) >= RunWindow {
			break // the controller sends the rest again
		}
		if isStep(c) {
			s.steps++
			fault.at("before", s.steps)
		}
		n := s.steps
		err := host.ApplyChangeJournaled(s.kinds, c, m, func(stage string) { fault.at(stage, n) })
		if err == nil {
			err = m.Save()
		}
		if isStep(c) && err == nil {
			fault.at("after", n)
		}
		ev := Event{Event: "applied", Change: c, Millis: time.Since(start).Milliseconds()}
		if err != nil {
			ev.Event, ev.Error = "failed", err.Error()
		}
		if werr := s.enc.Encode(ev); werr != nil {
			return Response{}, werr
		}
		if err != nil {
			return Response{Error: err.Error(), Changes: applied}, nil
		}
		applied = append(applied, c)
	}
	if len(m.Entries) == 0 {
		if err := s.env.Leftovers(s.stateDir); err != nil {
			return Response{Error: fmt.Sprintf("removing drover's own leftovers: %v", err), Changes: applied}, nil
		}
	}
	return Response{OK: true, Changes: applied}, nil
}

func (s *session) check(req Request) Response {
	s.extendOwn()
	m, err := host.LoadManifest(s.manifestPath())
	if err != nil {
		return fail(err)
	}
	return Response{OK: true, Results: host.RunChecks(s.kinds, s.checks, m, req.Checks)}
}

func (s *session) manifest() Response {
	m, err := host.LoadManifest(s.manifestPath())
	if err != nil {
		return fail(err)
	}
	return Response{OK: true, Manifest: m.Resources()}
}

func (s *session) takeLock(req Request) Response {
	if s.lock != nil {
		return Response{OK: true}
	}
	holder := req.Holder
	if holder == "" {
		holder = fmt.Sprintf("an unnamed session (helper pid %d)", os.Getpid())
	}
	if err := s.acquire(holder); err != nil {
		return fail(err)
	}
	return Response{OK: true}
}

func (s *session) acquire(holder string) error {
	dir, err := safefs.PrivateDir(s.stateDir, 0o700)
	if err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	dir.Close()
	l, err := host.AcquireLock(s.lockPath(), holder)
	if err != nil {
		return err
	}
	s.lock, s.holder = l, holder
	return nil
}

func (s *session) releaseLock() {
	s.lock.Release()
	s.lock = nil
}

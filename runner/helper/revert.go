package helper

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/kinds"
	"github.com/drover/drover/runner/host/safefs"
)

// Changes that cannot lock you out (apply -confirm). Before the first
// change of an apply, OpArm opens a revert generation in the manifest
// (host/revert.go: every change then records what it replaces before it is
// made) and writes ArmedFile: the generation, who armed it, and the
// deadline. Then it starts a detached process (spawn.go: setsid and a
// double fork, so it survives the SSH session, the helper and the
// controller) that waits for the deadline. Each OpApply of the generation
// pushes the deadline to now + window, so a long apply is not cut short
// while the controller still reaches the host; once it does not, the
// window runs out.
//
// The armed file is claimed by a rename, so exactly one side wins: OpConfirm
// renames it away and closes the generation (the apply stays); at the
// deadline the waiting process renames it to ClaimedFile and reverts. To
// revert it needs the host lock, which the helper of the apply that cut
// itself off still holds (it releases it only after IdleTimeout): the
// revert asks that helper to stop (SIGTERM, then SIGKILL; the journal
// makes an interrupted change safe), waits for the kernel to release the
// lock, puts back every change of the generation newest first and writes
// ReportFile, which the next plan or apply shows.
const (
	ArmedFile   = "armed.json"
	ClaimedFile = "reverting.json"
	ReportFile  = "revert-report.json"
)

// Armed is a revert waiting on a host.
type Armed struct {
	Generation string    `json:"generation"`
	Holder     string    `json:"holder"`
	Started    time.Time `json:"started"`
	Deadline   time.Time `json:"deadline"`
	WindowMS   int64     `json:"window_ms"`
	// PID is the waiting revert process (0 while it starts).
	PID int `json:"pid"`
}

// RevertReport is what a revert put back, and why.
type RevertReport struct {
	Generation string          `json:"generation"`
	Applied    time.Time       `json:"applied"`
	RevertedAt time.Time       `json:"reverted_at"`
	Reason     string          `json:"reason"`
	Steps      []host.Reverted `json:"steps"`
	Error      string          `json:"error,omitempty"`
}

// PutBack counts the steps reverted without error.
func (r *RevertReport) PutBack() int {
	n := 0
	for _, s := range r.Steps {
		if s.Error == "" {
			n++
		}
	}
	return n
}

// ArmedError is the refusal of a change while another apply's revert is
// armed.
func ArmedError(a *Armed) error {
	return fmt.Errorf("a revert is armed on this host for the apply of %s by %s, due at %s: run drover confirm to keep that apply, or wait for the host to put itself back",
		clock(a.Started), a.Holder, clock(a.Deadline))
}

func clock(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// readJSON reads name of stateDir into v; ok is false when it is missing.
func readJSON(stateDir, name string, v any) (bool, error) {
	data, _, err := safefs.ReadFile(filepath.Join(stateDir, name))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	return true, nil
}

// writeJSON writes v to name of stateDir, root-only, atomically.
func writeJSON(stateDir, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	dir, err := safefs.PrivateDir(stateDir, 0o700)
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.WriteFile(name, append(data, '\n'), safefs.WriteOptions{Mode: 0o600, UID: -1, GID: -1})
}

// ReadArmed returns the armed revert of stateDir, or nil.
func ReadArmed(stateDir string) (*Armed, error) {
	var a Armed
	ok, err := readJSON(stateDir, ArmedFile, &a)
	if !ok || err != nil {
		return nil, err
	}
	return &a, nil
}

// ReadReport returns the last revert report of stateDir, or nil.
func ReadReport(stateDir string) (*RevertReport, error) {
	var r RevertReport
	ok, err := readJSON(stateDir, ReportFile, &r)
	if !ok || err != nil {
		return nil, err
	}
	return &r, nil
}

// claim renames the armed file to to; false when there was none (the
// other side won).
func claim(stateDir, to string) (bool, error) {
	dir, err := safefs.PrivateDir(stateDir, 0o700)
	if err != nil {
		return false, err
	}
	defer dir.Close()
	err = dir.Rename(ArmedFile, to)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func removeState(stateDir, name string) error {
	return safefs.Remove(filepath.Join(stateDir, name))
}

func exists(stateDir, name string) bool {
	_, err := safefs.Lstat(filepath.Join(stateDir, name))
	return err == nil
}

// revertGeneration puts back the manifest's open generation (the caller
// holds the lock) and writes the report; without a generation it does
// nothing and returns no report.
func revertGeneration(stateDir string, env host.Env, reason string) (*RevertReport, error) {
	m, err := host.LoadManifest(filepath.Join(stateDir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	if m.Generation == nil {
		return nil, nil // nothing recorded: nothing to put back, nothing to report
	}
	rep := &RevertReport{Reason: reason, Generation: m.Generation.ID, Applied: m.Generation.Started}
	steps, err := host.Revert(kinds.New(env), m)
	rep.Steps, rep.RevertedAt = steps, time.Now().UTC()
	if err != nil {
		rep.Error = err.Error()
	} else if len(m.Entries) == 0 {
		if lerr := env.Leftovers(stateDir); lerr != nil {
			rep.Error = "removing drover's own leftovers: " + lerr.Error()
		}
	}
	if werr := writeJSON(stateDir, ReportFile, rep); werr != nil && err == nil {
		err = werr
	}
	return rep, err
}

// arm answers OpArm (the session holds the lock).
func (s *session) arm(req Request) Response {
	if req.Generation == "" || req.WindowMS <= 0 {
		return fail(errors.New("arm: a generation and a window are needed"))
	}
	a, err := ReadArmed(s.stateDir)
	if err != nil {
		return fail(err)
	}
	if a != nil {
		if a.Generation != req.Generation {
			return fail(ArmedError(a))
		}
		a.WindowMS, a.Deadline = req.WindowMS, time.Now().UTC().Add(time.Duration(req.WindowMS)*time.Millisecond)
		if err := writeJSON(s.stateDir, ArmedFile, a); err != nil {
			return fail(err)
		}
		return Response{OK: true, Armed: a}
	}
	if exists(s.stateDir, ClaimedFile) {
		return fail(errors.New("the host is putting back an earlier apply (revert under way): try again in a moment"))
	}
	m, err := host.LoadManifest(s.manifestPath())
	if err != nil {
		return fail(err)
	}
	now := time.Now().UTC()
	m.OpenGeneration(req.Generation, now)
	if err := m.Save(); err != nil {
		return fail(err)
	}
	removeState(s.stateDir, ReportFile)
	s.generation = req.Generation
	a = &Armed{Generation: req.Generation, Holder: s.holder, Started: now, WindowMS: req.WindowMS,
		Deadline: now.Add(time.Duration(req.WindowMS) * time.Millisecond)}
	if err := writeJSON(s.stateDir, ArmedFile, a); err != nil {
		return fail(err)
	}
	pid, err := s.spawn(s.stateDir)
	if err != nil {
		removeState(s.stateDir, ArmedFile)
		return fail(fmt.Errorf("arming the revert: %w", err))
	}
	a.PID = pid
	if err := writeJSON(s.stateDir, ArmedFile, a); err != nil {
		return fail(err)
	}
	return Response{OK: true, Armed: a}
}

// gateApply refuses an apply while another generation is armed or a
// revert runs, extends the deadline of its own, and opens (or closes) the
// manifest's generation as the request says.
func (s *session) gateApply(req Request, m *host.Manifest) error {
	if exists(s.stateDir, ClaimedFile) {
		return errors.New("the host is putting back an earlier apply (revert under way): try again in a moment")
	}
	a, err := ReadArmed(s.stateDir)
	if err != nil {
		return err
	}
	if a != nil && a.Generation != req.Generation {
		return ArmedError(a)
	}
	if a != nil {
		if err := extend(s.stateDir, a); err != nil {
			return err
		}
	}
	s.generation = req.Generation
	if req.Generation != "" {
		m.OpenGeneration(req.Generation, time.Now())
	} else {
		m.Generation = nil // an earlier generation that was kept
	}
	for _, c := range req.Changes {
		if isStep(c) {
			return removeState(s.stateDir, ReportFile)
		}
	}
	return nil
}

// extend gives an armed revert its whole window again from now.
func extend(stateDir string, a *Armed) error {
	a.Deadline = time.Now().UTC().Add(time.Duration(a.WindowMS) * time.Millisecond)
	return writeJSON(stateDir, ArmedFile, a)
}

// extendOwn extends the armed revert of the generation this session
// applies, while its controller still talks to it (verify).
func (s *session) extendOwn() {
	if s.generation == "" {
		return
	}
	if a, err := ReadArmed(s.stateDir); err == nil && a != nil && a.Generation == s.generation {
		extend(s.stateDir, a)
	}
}

// confirm answers OpConfirm: the revert is disarmed and the generation
// closed. Without an armed revert, the last report says whether the host
// already put itself back.
func (s *session) confirm(req Request) Response {
	a, err := ReadArmed(s.stateDir)
	if err != nil {
		return fail(err)
	}
	won, err := claim(s.stateDir, "confirmed.json")
	if err != nil {
		return fail(err)
	}
	if won {
		removeState(s.stateDir, "confirmed.json")
	} else {
		a = nil
	}
	m, err := host.LoadManifest(s.manifestPath())
	if err != nil {
		return fail(err)
	}
	if m.Generation != nil && (req.Generation == "" || m.Generation.ID == req.Generation) {
		m.Generation = nil
		if err := m.Save(); err != nil {
			return fail(err)
		}
	}
	resp := Response{OK: true, Armed: a}
	if a == nil {
		resp.Report, _ = ReadReport(s.stateDir)
	}
	return resp
}

// revertNow answers OpRevert: disarm, and put the generation back now.
func (s *session) revertNow(req Request) Response {
	if _, err := claim(s.stateDir, ClaimedFile); err != nil {
		return fail(err)
	}
	defer removeState(s.stateDir, ClaimedFile)
	rep, err := revertGeneration(s.stateDir, s.env, req.Reason)
	if err != nil {
		return Response{Error: err.Error(), Report: rep}
	}
	return Response{OK: true, Report: rep}
}

// locked runs fn holding the host lock: the session's, or one taken for
// the request.
func (s *session) locked(op string, fn func() Response) Response {
	if s.lock == nil {
		if err := s.acquire(fmt.Sprintf("drover-helper %s (pid %d)", op, os.Getpid())); err != nil {
			return fail(err)
		}
		defer s.releaseLock()
	}
	return fn()
}

// rescue restarts the waiting revert when its deadline passed and the
// process is gone (the host rebooted inside the window, or it was
// killed): the new one reverts at once. Called at every facts request, so
// a host comes back at the next contact at the latest.
func (s *session) rescue() {
	s.resumeStale()
	a, err := ReadArmed(s.stateDir)
	if err != nil || a == nil || time.Now().Before(a.Deadline.Add(2*time.Second)) || waiting(a.PID) {
		return
	}
	a.PID = 0
	if writeJSON(s.stateDir, ArmedFile, a) != nil {
		return
	}
	if pid, err := s.spawn(s.stateDir); err == nil {
		a.PID = pid
		writeJSON(s.stateDir, ArmedFile, a)
	}
}

// staleClaim is how old a claimed revert must be to be taken for one that
// died half-way (a revert takes seconds; it holds the lock meanwhile).
const staleClaim = 2 * time.Minute

// resumeStale gives a revert that died half-way (the host rebooted while
// it ran) back to a waiting process: the claimed file becomes the armed
// file again, past its deadline, and rescue starts the process that puts
// the rest back (Revert resumes from the steps still recorded). A claim is
// stale when it is old, its process is gone, and nobody holds the lock
// (every revert holds it while it runs).
func (s *session) resumeStale() {
	st, err := safefs.Lstat(filepath.Join(s.stateDir, ClaimedFile))
	if err != nil || time.Since(time.Unix(st.Mtim.Unix())) < staleClaim || exists(s.stateDir, ArmedFile) {
		return
	}
	var a Armed
	if ok, err := readJSON(s.stateDir, ClaimedFile, &a); !ok || err != nil || waiting(a.PID) {
		return
	}
	if s.lock == nil {
		l, err := host.AcquireLock(s.lockPath(), fmt.Sprintf("drover-helper facts (pid %d): resuming a revert", os.Getpid()))
		if err != nil {
			return
		}
		defer l.Release()
	}
	dir, err := safefs.PrivateDir(s.stateDir, 0o700)
	if err != nil {
		return
	}
	defer dir.Close()
	dir.Rename(ClaimedFile, ArmedFile)
}

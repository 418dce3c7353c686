package runner

import (
	"log/slog"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/runner/transport"
)

// Event is one step of a run as it happens, for machine-readable progress
// (apply -json): a host connected or not, a change started, finished or
// failed, still running (a heartbeat), a check's result, a rollback.
// Events come from many goroutines at once; Options.Events must be safe
// for that.
type Event struct {
	Type    EventType
	Host    string
	Action  core.Action // changes
	ID      string      // the resource, unknown values shown as (known after apply)
	Owners  []string
	Elapsed time.Duration
	Error   string
	Check   *core.CheckResult // verify
	Group   string            // rollback: the group that failed
	// Reason says why a revert put a change back; Generation names the
	// apply a revert was armed for or confirmed, Deadline when it fires.
	Reason     string
	Generation string
	Deadline   time.Time
}

// EventType names an Event.
type EventType string

// The events of a run.
const (
	EventConnected     EventType = "host_connected"
	EventUnreachable   EventType = "host_unreachable"
	EventApplyStart    EventType = "apply_start"
	EventApplyProgress EventType = "apply_progress"
	EventApplyComplete EventType = "apply_complete"
	EventApplyErrored  EventType = "apply_errored"
	EventVerify        EventType = "verify_result"
	EventRollback      EventType = "rollback"
	// EventArmed: a revert is armed on the host (apply -confirm);
	// EventConfirmed: it was disarmed (the apply stays); EventRevert: a
	// change of this apply was put back (-rollback-on-failure).
	EventArmed     EventType = "revert_armed"
	EventConfirmed EventType = "revert_confirmed"
	EventRevert    EventType = "revert"
)

func (s *Session) emit(ev Event) {
	if s.opts.Events != nil {
		s.opts.Events(ev)
	}
}

// changeEvent describes one change of one host.
func changeEvent(t EventType, hostName string, c core.Change) Event {
	r := c.Resource
	return Event{Type: t, Host: hostName, Action: c.Action, ID: DisplayID(r.ID()), Owners: r.Owners}
}

// DisplayID writes an ID with its unknown parts as (known after apply).
func DisplayID(id string) string { return strings.ReplaceAll(id, core.Unknown, "(known after apply)") }

// DefaultHeartbeat is how often a long step says it is still running.
const DefaultHeartbeat = 10 * time.Second

// stillRunning prints "HOST: still LABEL [20s elapsed]" every heartbeat
// interval until stop is called, like Terraform's "Still creating...";
// ev (when its Type is set) is emitted each time as well, with Elapsed.
func (s *Session) stillRunning(hostName, label string, ev Event) (stop func()) {
	every := s.opts.Heartbeat
	if every == 0 {
		every = DefaultHeartbeat
	}
	if every < 0 || (s.opts.Progress == nil && s.opts.Events == nil) {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			elapsed := time.Since(start).Round(time.Second)
			s.progress(hostName, "still %s [%s elapsed]", label, elapsed)
			if ev.Type != "" {
				ev.Elapsed = elapsed
				s.emit(ev)
			}
		}
	}()
	return func() { close(done) }
}

// logSSHSettings says, for -v, each SSH setting of a host and where it came
// from: the server block, the ssh block, or the lab.
func logSSHSettings(log *slog.Logger, srv *lang.Server, cfg lang.SSH, o SSHOverride, tc transport.Config) {
	from := func(overridden bool, block string) string {
		if overridden {
			return "lab"
		}
		return block
	}
	log.Debug("ssh settings",
		"address", tc.Address, "port", tc.Port, "port_from", "server/ssh block",
		"user", tc.User, "user_from", from(o.User != "", "server/ssh block"),
		"identity_file", tc.IdentityFile, "identity_from", from(o.IdentityFile != "", "ssh block"),
		"known_hosts", tc.KnownHosts, "known_hosts_from", from(o.KnownHosts != "", "ssh block"),
		"agent", tc.Agent, "trust_on_first_use", tc.TrustOnFirstUse, "become", tc.Become,
		"timeout", tc.Timeout, "keepalive", tc.KeepAlive, "jump", cfg.Jump, "lab_dialer", o.Dial != nil)
}

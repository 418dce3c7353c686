package runner

import (
	"strings"
	"time"

	"github.com/drover/drover/runner/host"
)

// Event is one step of a run as it happens, for machine-readable progress
// (apply -json): a host connected or not, a change started, finished or
// failed, still running (a heartbeat), a check's result, a rollback.
// Events come from many goroutines at once; Options.Events must be safe
// for that.
type Event struct {
	Type    EventType
	Host    string
	Action  host.Action // changes
	ID      string      // the resource, unknown values shown as (known after apply)
	Owners  []string
	Elapsed time.Duration
	Error   string
	Check   *host.CheckResult // verify
	Group   string            // rollback: the group that failed
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
)

func (s *Session) emit(ev Event) {
	if s.opts.Events != nil {
		s.opts.Events(ev)
	}
}

// changeEvent describes one change of one host.
func changeEvent(t EventType, hostName string, c host.Change) Event {
	r := c.Resource
	return Event{Type: t, Host: hostName, Action: c.Action, ID: DisplayID(r.ID()), Owners: r.Owners}
}

// DisplayID writes an ID with its unknown parts as (known after apply).
func DisplayID(id string) string { return strings.ReplaceAll(id, host.Unknown, "(known after apply)") }

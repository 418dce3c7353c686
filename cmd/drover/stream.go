package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/runner"
)

// stream writes apply -json and destroy -json: one JSON object per line,
// as it happens, each with a type (documented by a JSON Schema in
// docs/json/apply-stream.schema.json). Values are redacted as in the text
// output: sensitive attributes read (sensitive), unknown ones are null.
type stream struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func newStream(w io.Writer) *stream { return &stream{w: w, now: time.Now} }

// emit writes one message: type, level, a line for people, the time, and
// the type's own fields.
func (s *stream) emit(typ, level, msg string, fields map[string]any) {
	m := map[string]any{"type": typ, "@level": level, "@message": msg,
		"@timestamp": s.now().UTC().Format(time.RFC3339Nano)}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"type": "error", "@level": "error", "@message": err.Error()})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.Write(append(b, '\n'))
}

func (s *stream) version(operation string) {
	s.emit("version", "info", "drover "+droverVersion(), map[string]any{
		"drover": droverVersion(), "format_version": runner.FormatVersion, "operation": operation})
}

func (s *stream) diagnostics(diags hcl.Diagnostics) {
	for _, d := range lang.DiagnosticsJSON(lang.CapDiagnostics(diags)) {
		s.emit("diagnostic", d.Severity, d.Summary, map[string]any{"diagnostic": d})
	}
}

func (s *stream) errorf(err error) {
	d := lang.JSONDiagnostic{Severity: "error", Summary: err.Error()}
	s.emit("diagnostic", "error", d.Summary, map[string]any{"diagnostic": d})
}

// plan writes a planned_change per change, a host_error per host that
// could not be planned, and the change_summary.
func (s *stream) plan(p *runner.Plan, operation string) {
	for _, hp := range p.Hosts {
		if hp.Error != "" {
			s.emit("host_error", "error", hp.Host+": "+hp.Error, map[string]any{
				"host": hp.Host, "unreachable": hp.Unreachable, "error": hp.Error})
			continue
		}
		for _, c := range hp.Changes {
			if c.Action == core.NoOp {
				continue
			}
			jc := toJSONChange(c)
			s.emit("planned_change", "info", fmt.Sprintf("%s: %s %s", hp.Host, c.Action.Symbol(), jc.ID),
				map[string]any{"host": hp.Host, "change": jc})
		}
	}
	add, change, destroy := p.Counts()
	r := p.Replaces()
	s.emit("change_summary", "info", fmt.Sprintf("Plan: %d to add, %d to change, %d to replace, %d to destroy.", add, change-r, r, destroy),
		map[string]any{"operation": operation, "changes": map[string]int{"add": add, "change": change - r, "replace": r, "remove": destroy}})
}

// event writes one runner event.
func (s *stream) event(ev runner.Event) {
	f := map[string]any{"host": ev.Host}
	level, msg := "info", ev.Host+": "+string(ev.Type)
	switch ev.Type {
	case runner.EventConnected, runner.EventUnreachable:
		f["elapsed_ms"] = ev.Elapsed.Milliseconds()
		if ev.Error != "" {
			level, f["error"], msg = "error", ev.Error, ev.Host+": unreachable: "+ev.Error
		}
	case runner.EventApplyStart, runner.EventApplyComplete, runner.EventApplyErrored, runner.EventApplyProgress:
		f["action"], f["id"], f["owners"] = string(ev.Action), ev.ID, ev.Owners
		msg = fmt.Sprintf("%s: %s %s", ev.Host, ev.Action.Symbol(), ev.ID)
		switch ev.Type {
		case runner.EventApplyComplete:
			f["elapsed_ms"], msg = ev.Elapsed.Milliseconds(), msg+" done in "+ev.Elapsed.Round(time.Millisecond).String()
		case runner.EventApplyProgress:
			f["elapsed_s"], msg = int(ev.Elapsed.Seconds()), fmt.Sprintf("%s: still applying %s [%ds elapsed]", ev.Host, ev.ID, int(ev.Elapsed.Seconds()))
		case runner.EventApplyErrored:
			f["elapsed_ms"], f["error"], level, msg = ev.Elapsed.Milliseconds(), ev.Error, "error", msg+" failed: "+ev.Error
		}
	case runner.EventVerify:
		c := ev.Check
		f["title"], f["owner"], f["ok"], f["detail"] = c.Check.Title, c.Check.Owner, c.OK, c.Detail
		if c.Check.Exclusive != "" {
			f["exclusive"] = c.Check.Exclusive
		}
		msg = fmt.Sprintf("%s: verify %s: %v", ev.Host, c.Check.Title, map[bool]string{true: "ok", false: "failed"}[c.OK])
		if !c.OK {
			level = "warn"
		}
	case runner.EventArmed, runner.EventConfirmed:
		f["generation"], f["ok"] = ev.Generation, ev.Error == ""
		msg = fmt.Sprintf("%s: %s", ev.Host, map[runner.EventType]string{runner.EventArmed: "revert armed", runner.EventConfirmed: "confirmed"}[ev.Type])
		if !ev.Deadline.IsZero() {
			f["deadline"] = ev.Deadline.UTC().Format(time.RFC3339)
			msg += ": the host puts this apply back at " + ev.Deadline.UTC().Format(time.RFC3339) + " unless confirmed"
		}
		if ev.Error != "" {
			f["error"], level, msg = ev.Error, "error", ev.Host+": "+ev.Error
		}
	case runner.EventRevert:
		f["id"], f["action"], f["reason"], f["ok"] = ev.ID, string(ev.Action), ev.Reason, ev.Error == ""
		msg = fmt.Sprintf("%s: rolled back %s %s (%s)", ev.Host, ev.Action, ev.ID, ev.Reason)
		if ev.Error != "" {
			f["error"], level, msg = ev.Error, "error", msg+": "+ev.Error
		}
	case runner.EventRollback:
		f["id"], f["owners"], f["group"], f["ok"] = ev.ID, ev.Owners, ev.Group, ev.Error == ""
		msg = fmt.Sprintf("%s: rolled back %s (%s failed)", ev.Host, ev.ID, ev.Group)
		if ev.Error != "" {
			f["error"], level, msg = ev.Error, "error", msg+": "+ev.Error
		}
	}
	s.emit(string(ev.Type), level, msg, f)
}

// recap writes the per-host outcome and the totals.
func (s *stream) recap(res *runner.Result, operation string) {
	hosts := []map[string]any{}
	failed, unreachable := 0, 0
	for _, h := range res.Hosts {
		c := h.Recap()
		ok := 0
		for _, ch := range h.Checks {
			if ch.OK {
				ok++
			}
		}
		m := map[string]any{"host": h.Host, "status": h.Status(), "ok": c.OK, "changed": c.Changed,
			"replaced": c.Replaced, "failed": c.Failed, "unreachable": c.Unreachable, "skipped": c.Skipped,
			"rolled_back": c.RolledBack, "checks": len(h.Checks), "checks_ok": ok}
		if h.Error != "" {
			m["error"] = h.Error
		}
		if h.RollbackReason != "" {
			m["rollback_reason"] = h.RollbackReason
		}
		hosts = append(hosts, m)
		switch h.Status() {
		case "failed":
			failed++
		case "unreachable":
			unreachable++
		}
	}
	msg := fmt.Sprintf("Apply complete: %d changed, %d host(s) failed, %d host(s) unreachable.", res.Changed(), failed, unreachable)
	if operation == "destroy" {
		msg = fmt.Sprintf("Destroy complete! %d removed.", res.Changed())
	}
	level := "info"
	if failed+unreachable > 0 {
		level = "error"
	}
	s.emit("recap", level, msg, map[string]any{"operation": operation, "hosts": hosts,
		"changed": res.Changed(), "failed": failed, "unreachable": unreachable})
}

// Package helper is the protocol between the controller and drover-helper,
// the small binary drover runs on each server, and the helper's side of it.
//
// The helper is started as "drover-helper serve" (over SSH, or locally). It
// first writes the line Magic; everything before that line on its stdout is
// noise from a login shell and is skipped by the client. Then the client
// writes one JSON Request per line on stdin and the helper answers each with
// zero or more Event lines followed by exactly one Response line, all JSON.
// The helper exits when stdin closes.
package helper

import (
	"fmt"
	"time"

	"github.com/drover/drover/core"
)

// Version is the protocol version. Client and helper must agree exactly.
// Version 2 sends a plan's resources packed (Request.Packed): a helper of
// version 1 would read such a plan as one with no resources, and so
// delete everything drover made on its host.
const Version = 2

// IdleTimeout is how long a helper holding the host lock waits for a
// request; the controller pings every HeartbeatInterval while it holds it.
const (
	IdleTimeout       = 45 * time.Second
	HeartbeatInterval = 10 * time.Second
)

// RunWindow is how long after reading an apply request the helper may
// still start its next change. The controller sends a host's consecutive
// changes in one request (a round trip for all of them); after a slow one
// (a command, a daemon's or a container's start) the helper stops, and the
// controller's next request, which shows it is still there, carries the
// rest. So a host whose controller was cut off while a change ran starts
// nothing after it, as when each change was a request of its own.
const RunWindow = time.Second

// Magic is the first line the helper writes; it carries the version.
const Magic = "\x00DROVER-HELPER/2"

// Operations a Request may ask for.
const (
	// OpFacts gathers host.Facts.
	OpFacts = "facts"
	// OpPlan reads the actual state of Resources and of everything in the
	// manifest, and answers with the changes that make the host match
	// Resources exactly (deletes for manifest entries no longer desired,
	// in reverse order of creation, first). Owners, when set, limits
	// deletes to manifest entries owned only by those declarations. With
	// Brief set, a no-op whose resource is exactly the one sent (with
	// ShowOnly: every no-op) is answered by its index in Same instead of
	// in Changes (brief.go).
	OpPlan = "plan"
	// OpApply applies Changes in order, streaming an Event per change, and
	// records each success in the manifest at once. It stops at the first
	// failure, and starts no change but the first once RunWindow has
	// passed since it read the request: the answer (OK) then lists the
	// changes applied, and the controller sends the rest again.
	// Fingerprint, when set, must equal the fingerprint of the host's
	// current state or nothing is done (a stale plan).
	OpApply = "apply"
	// OpCheck runs Checks and answers with their results.
	OpCheck = "check"
	// OpManifest answers with the resources drover made on this host.
	OpManifest = "manifest"
	// OpLock takes the host's apply lock for this session (released when
	// the helper exits); Holder names who takes it. Fails, naming the
	// current holder, if another session holds it.
	OpLock = "lock"
	// OpPing does nothing but show that the controller is still there. A
	// helper that holds the host lock and hears nothing for IdleTimeout
	// (its controller vanished with a cut network, say) releases the lock
	// and exits, so the next apply is not locked out.
	OpPing = "ping"
	// OpArm opens a revert generation named Generation and arms a revert
	// on the host (revert.go): a detached process that, unless OpConfirm
	// comes first, puts back every change of the generation WindowMS
	// milliseconds after the last OpApply or OpArm of it. Refused while
	// another generation is armed; for the same one it extends the
	// deadline.
	OpArm = "arm"
	// OpConfirm disarms the revert and closes the generation: the apply
	// stays. Answers with Armed (what was confirmed), or with Report when
	// the host already put itself back.
	OpConfirm = "confirm"
	// OpRevert disarms the revert and puts back every change of the open
	// generation now, newest first (apply -rollback-on-failure); Reason
	// says why, for the report.
	OpRevert = "revert"
)

// Request is one line from the client.
type Request struct {
	Op        string          `json:"op"`
	Resources []core.Resource `json:"resources,omitempty"`
	// Packed holds the resources in the packed encoding, as the
	// controller sends a plan's (core.AppendPackedJSON); Unpack moves
	// them into Resources.
	Packed      *core.Packed  `json:"packed,omitempty"`
	Owners      []string      `json:"owners,omitempty"`
	Changes     []core.Change `json:"changes,omitempty"`
	Fingerprint string        `json:"fingerprint,omitempty"`
	Checks      []core.Check  `json:"checks,omitempty"`
	Holder      string        `json:"holder,omitempty"`
	// Brief asks a plan to answer the no-ops whose resource is exactly
	// the one sent (Response.Same) by index rather than in full: a host
	// that matches its thousands of resources answers in bytes, not in
	// a copy of the request. A helper that does not know it answers in
	// full, which ExpandBrief takes as well.
	Brief bool `json:"brief,omitempty"`
	// ShowOnly, with Brief, marks a plan that is only shown (no apply
	// follows, so no fingerprint check needs its no-ops): every no-op is
	// answered by index, the host's completion of its resource (the
	// kind's defaults) not sent back.
	ShowOnly bool `json:"show_only,omitempty"`
	// Generation names the apply whose changes are recorded for a revert
	// (OpApply, OpArm, OpConfirm, OpRevert); WindowMS is the confirm
	// window (OpArm); Reason why a revert is asked for (OpRevert).
	Generation string `json:"generation,omitempty"`
	WindowMS   int64  `json:"window_ms,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Unpack moves the resources of Packed into Resources, refusing a
// request that sends both or a Packed that does not add up.
func (r *Request) Unpack() error {
	if r.Packed == nil {
		return nil
	}
	if r.Resources != nil {
		return fmt.Errorf("a request sends resources both plain and packed")
	}
	rs, err := r.Packed.Unpack()
	if err != nil {
		return err
	}
	r.Resources, r.Packed = rs, nil
	return nil
}

// Event is a progress line during OpApply: one per change, when it is done.
type Event struct {
	Event  string      `json:"event"` // "applied" or "failed"
	Change core.Change `json:"change"`
	Error  string      `json:"error,omitempty"`
	Millis int64       `json:"ms"`
}

// Response ends the answer to one Request. Error is set when the request as
// a whole failed; it names the resource and carries the command's stderr.
type Response struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`

	Facts *core.Facts `json:"facts,omitempty"`
	// Changes are the planned changes (OpPlan) or those applied (OpApply).
	// Plans include no-op entries so that the client can show counts.
	Changes []core.Change `json:"changes,omitempty"`
	// Same are the runs of a brief plan's Resources (half-open index
	// ranges [from, to), in order) whose change is a no-op of exactly
	// the resource sent (with ShowOnly: any no-op); Changes holds every
	// other change. ExpandBrief puts them back in place.
	Same []Run `json:"same,omitempty"`
	// Fingerprint summarises the actual state read during OpPlan, so that
	// a saved plan can be refused when the host changed since.
	Fingerprint string             `json:"fingerprint,omitempty"`
	Results     []core.CheckResult `json:"results,omitempty"`
	Manifest    []core.Resource    `json:"manifest,omitempty"`
	// Armed is the host's armed revert (OpFacts, OpArm, OpConfirm);
	// Report the last revert the host made by itself or was asked for
	// (OpFacts, OpConfirm, OpRevert).
	Armed  *Armed        `json:"armed,omitempty"`
	Report *RevertReport `json:"revert_report,omitempty"`
}

// Envelope tells an Event line from a Response line: only events have a
// non-empty "event" field.
type Envelope struct {
	Event string `json:"event"`
}

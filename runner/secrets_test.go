package runner

import (
	"errors"
	"strings"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
	"github.com/drover/drover/runner/host"
)

// TestHostErrorsHideSecrets: what a helper answers (the request's error,
// each change's event, check details, a revert's report, a broken
// helper's stderr) reaches people without the cluster's secrets, even
// where a command's output quotes a part of a sensitive value that the
// helper could not hide.
func TestHostErrorsHideSecrets(t *testing.T) {
	const secret = "s3cret-pass"
	h := &Host{Name: "s1", secrets: []string{secret, "ab"}}
	broken := errors.New("s1: the helper exited: login as " + secret + " failed")
	resp, err := h.hideSecrets(helper.Response{
		Error:   "command/login: create: exit status 1: login as s3cret-pass failed",
		Results: []core.CheckResult{{Detail: "psql: password \"s3cret-pass\" rejected"}, {Detail: "fine"}},
		Report:  &helper.RevertReport{Error: "revert: s3cret-pass", Steps: []host.Reverted{{Error: "exit 1: s3cret-pass"}}},
	}, broken)
	for _, text := range []string{resp.Error, resp.Results[0].Detail, err.Error(), resp.Report.Error, resp.Report.Steps[0].Error} {
		if strings.Contains(text, secret) || !strings.Contains(text, core.HiddenValue) {
			t.Errorf("not hidden: %s", text)
		}
	}
	if !errors.Is(err, broken) || resp.Results[1].Detail != "fine" {
		t.Errorf("err %v does not wrap the helper's error, or a detail changed: %q", err, resp.Results[1].Detail)
	}
	// A short secret is hidden only where it is quoted: bare, it would
	// hide unrelated words.
	if got := core.HideValues(`token "ab" in tab`, h.secrets); got != `token (sensitive value) in tab` {
		t.Errorf("short secret: %q", got)
	}
	var seen []string
	onEvent := h.hidingSecrets(func(ev helper.Event) { seen = append(seen, ev.Error) })
	onEvent(helper.Event{Event: "failed", Error: "exit status 1: " + secret})
	if len(seen) != 1 || strings.Contains(seen[0], secret) {
		t.Errorf("event error: %q", seen)
	}
	if (&Host{}).hidingSecrets(nil) != nil {
		t.Error("no callback must stay no callback")
	}
}

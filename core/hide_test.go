package core

import (
	"errors"
	"testing"
)

func TestHideValues(t *testing.T) {
	key := "-----BEGIN KEY-----\nMIIBVgIBADANBgkq\n-----END KEY-----"
	for _, tc := range []struct{ text, want string }{
		{`wrong password "pw-12345" for pw-12345`, `wrong password (sensitive value) for (sensitive value)`},
		{`login br-pw-12345 failed`, `login (sensitive value) failed`},    // the longer secret whole
		{"bad line 2: MIIBVgIBADANBgkq", "bad line 2: (sensitive value)"}, // a line of a secret of several lines
		{`"on" and on`, `(sensitive value) and on`},                       // a short one only quoted
		{"nothing here", "nothing here"},
	} {
		if got := HideValues(tc.text, []string{"on", "pw-12345", "br-pw-12345", key}); got != tc.want {
			t.Errorf("HideValues(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	base := errors.New("exit 1: pw-12345")
	if err := HideError(base, []string{"pw-12345"}); err.Error() != "exit 1: (sensitive value)" || !errors.Is(err, base) {
		t.Errorf("HideError = %v", err)
	}
	if err := HideError(base, []string{"other"}); err != base {
		t.Errorf("an error without secrets must stay itself: %v", err)
	}
}

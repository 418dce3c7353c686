package main

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/drover/drover/runner/helper"
)

func TestRun(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, strings.NewReader(""), &out, &errOut); code != 0 || strings.TrimSpace(out.String()) != strconv.Itoa(helper.Version) {
		t.Errorf("version: %d %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	state := filepath.Join(t.TempDir(), "state")
	code := run([]string{"serve", "-state", state}, strings.NewReader(`{"op":"manifest"}`+"\n"), &out, &errOut)
	if code != 0 || !strings.HasPrefix(out.String(), helper.Magic+"\n") || !strings.Contains(out.String(), `{"ok":true}`) {
		t.Errorf("serve: %d %q %q", code, out.String(), errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"dance"}, strings.NewReader(""), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage") {
		t.Errorf("unknown command: %d %q", code, errOut.String())
	}
}

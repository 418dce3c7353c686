package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/drover/drover/runner/transport"
)

func TestBecomePasswordSources(t *testing.T) {
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	t.Setenv(transport.BecomePasswordEnv, "")
	t.Setenv(transport.BecomePasswordFileEnv, "")
	if pw, err := becomePassword(e, false); pw != "" || err != nil {
		t.Fatalf("nothing set: %q, %v", pw, err)
	}
	file := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(file, []byte("from file\nignored\n"), 0o600)
	t.Setenv(transport.BecomePasswordFileEnv, file)
	if pw, err := becomePassword(e, true); pw != "from file" || err != nil {
		t.Fatalf("file: %q, %v", pw, err)
	}
	os.Chmod(file, 0o644)
	if _, err := becomePassword(e, false); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("a world-readable file: %v", err)
	}
	t.Setenv(transport.BecomePasswordEnv, "from env")
	if pw, err := becomePassword(e, true); pw != "from env" || err != nil {
		t.Fatalf("env: %q, %v", pw, err)
	}
}

// TestPromptPasswordNoEcho answers the prompt on a pseudo-terminal and
// checks that the password is read and not echoed.
func TestPromptPasswordNoEcho(t *testing.T) {
	// Non-blocking, so that reads honour deadlines.
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	type result struct {
		pw  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw, err := promptPassword(tty, "BECOME password: ")
		done <- result{pw, err}
	}()
	var seen bytes.Buffer
	buf := make([]byte, 256)
	master.SetReadDeadline(time.Now().Add(5 * time.Second))
	for !strings.Contains(seen.String(), "BECOME password: ") {
		n, err := master.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		seen.Write(buf[:n])
	}
	master.Write([]byte("hunter2\n"))
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the prompt did not return")
	}
	master.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		n, err := master.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if r.err != nil || r.pw != "hunter2" {
		t.Fatalf("prompt = %q, %v", r.pw, r.err)
	}
	if strings.Contains(seen.String(), "hunter2") {
		t.Fatalf("the password was echoed: %q", seen.String())
	}
}

package helper

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/runner/host/safefs/safefstest"
)

// A helper that holds the host lock and hears nothing releases it and
// exits; one without the lock waits for its controller however long.
func TestIdleHelperReleasesTheLock(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(inR, outW, ServerOptions{StateDir: safefstest.TempDir(t), IdleTimeout: 200 * time.Millisecond})
		outW.Close()
	}()
	out := bufio.NewReader(outR)
	if magic, _ := out.ReadString('\n'); strings.TrimSpace(magic) != Magic {
		t.Fatalf("magic %q", magic)
	}
	ask := func(req Request) Response {
		b, _ := json.Marshal(req)
		if _, err := inW.Write(append(b, '\n')); err != nil {
			t.Fatal(err)
		}
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		var resp Response
		if err := json.Unmarshal([]byte(line), &resp); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	time.Sleep(300 * time.Millisecond) // idle without the lock: still there
	if resp := ask(Request{Op: OpPing}); !resp.OK {
		t.Fatalf("ping: %+v", resp)
	}
	if resp := ask(Request{Op: OpLock, Holder: "test"}); !resp.OK {
		t.Fatalf("lock: %+v", resp)
	}
	for i := 0; i < 3; i++ { // pings keep it alive past the timeout
		time.Sleep(100 * time.Millisecond)
		if resp := ask(Request{Op: OpPing}); !resp.OK {
			t.Fatalf("ping %d: %+v", i, resp)
		}
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "released it") {
			t.Fatalf("Serve ended with %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("an idle helper holding the lock did not exit")
	}
}

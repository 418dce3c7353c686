package transport

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

// The test binary doubles as a fake drover-helper: a helper Binary is a
// shell script that re-executes it with DROVER_FAKE_HELPER set to a mode.
const fakeHelperEnv = "DROVER_FAKE_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeHelperEnv); mode != "" {
		os.Exit(fakeHelper(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeBinary is a helper "binary" that runs the fake helper in mode.
func fakeBinary(t *testing.T, mode string) Binary {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n%s=%s exec %s \"$@\"\n", fakeHelperEnv, mode, shellQuote(exe))
	return Binary{Arch: "", Data: []byte(script)}
}

// fakeHelper speaks the helper protocol well enough for the tests.
//
// Modes: "ok" answers requests; "wrongmagic" announces the protocol
// after this drover's;
// "nomagic" fails before the magic line.
// Ops in "ok" mode: facts, apply (one event per change), plan (fails),
// crash (dies with status 2), sleep (never answers), garbage (not JSON).
func fakeHelper(mode string, args []string) int {
	if len(args) != 1 || args[0] != "serve" {
		fmt.Fprintf(os.Stderr, "usage: drover-helper serve (got %q)\n", args)
		return 64
	}
	switch mode {
	case "wrongmagic":
		fmt.Printf("%s%d\n", magicPrefix, helper.Version+1)
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		return 0
	case "nomagic":
		fmt.Println("starting up")
		fmt.Fprintln(os.Stderr, "drover-helper: cannot open /var/lib/drover/manifest.json: permission denied")
		return 1
	}
	fmt.Fprintln(os.Stderr, "fake helper: started")
	fmt.Print(helper.Magic + "\n")
	out := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		var req helper.Request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			return 3
		}
		switch req.Op {
		case helper.OpFacts:
			name, _ := os.Hostname()
			out.Encode(helper.Response{OK: true, Facts: &core.Facts{Hostname: name, Arch: "amd64", Init: "none"}})
		case helper.OpApply:
			for _, ch := range req.Changes {
				out.Encode(helper.Event{Event: "applied", Change: ch, Millis: 1})
			}
			out.Encode(helper.Response{OK: true, Changes: req.Changes})
		case helper.OpPlan:
			out.Encode(helper.Response{OK: false, Error: "link/vx0: Error: Unknown device type."})
		case "crash":
			fmt.Fprintln(os.Stderr, "panic: something broke in the fake helper")
			return 2
		case "sleep":
			time.Sleep(time.Minute)
		case "garbage":
			fmt.Println("this is not JSON")
		default:
			out.Encode(helper.Response{OK: false, Error: "unknown op " + req.Op})
		}
	}
	return 0
}

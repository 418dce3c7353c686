// Command drover-helper is the small static binary drover runs on each
// server: `drover-helper serve` speaks the helper protocol
// (runner/helper) on stdin and stdout, `drover-helper version` prints the
// protocol version, `drover-helper revert` puts back the apply generation
// recorded in the manifest (apply -confirm; -wait waits for the armed
// deadline first, -spawn starts such a waiting process detached).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/drover/drover/runner/helper"
	"github.com/drover/drover/runner/host"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("drover-helper", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stateDir := flags.String("state", helper.DefaultStateDir, "folder of the manifest and the lock")
	wait := flags.Bool("wait", false, "revert: wait for the armed deadline, then revert unless confirmed")
	spawn := flags.Bool("spawn", false, "revert: start a detached waiting revert and print its pid")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: drover-helper [-state DIR] serve | version | revert [-wait | -spawn]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	rest := flags.Args()
	if len(rest) == 0 {
		flags.Usage()
		return 2
	}
	// Flags may also follow the subcommand: "serve -state DIR".
	if err := flags.Parse(rest[1:]); err != nil {
		return 2
	}
	switch rest[0] {
	case "version":
		fmt.Fprintln(stdout, helper.Version)
		return 0
	case "revert":
		var err error
		switch {
		case *spawn:
			err = helper.SpawnChild(*stateDir, stdout)
		case *wait:
			err = helper.WaitAndRevert(*stateDir, host.DefaultEnv(), stdout)
		default:
			err = helper.RevertNow(*stateDir, host.DefaultEnv(), stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "drover-helper: revert: %v\n", err)
			return 1
		}
		return 0
	case "serve":
		if err := helper.Serve(stdin, stdout, helper.ServerOptions{StateDir: *stateDir}); err != nil {
			fmt.Fprintf(stderr, "drover-helper: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "drover-helper: unknown command %q\n", rest[0])
	flags.Usage()
	return 2
}

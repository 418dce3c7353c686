// Command drover-helper is the small static binary drover runs on each
// server: `drover-helper serve` speaks the helper protocol
// (runner/helper) on stdin and stdout, `drover-helper version` prints the
// protocol version.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/drover/drover/runner/helper"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("drover-helper", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stateDir := flags.String("state", helper.DefaultStateDir, "folder of the manifest and the lock")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: drover-helper [-state DIR] serve | version")
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

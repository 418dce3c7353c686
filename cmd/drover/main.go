// Command drover is the CLI of drover, a declarative cluster runner:
// arguments become runner calls, results become human or JSON views.
//
//	drover validate [-json] [DIR]
//	drover fmt [-check] [-diff] [DIR]
//	drover plan [-offline] [-detailed-exitcode] [-json] [-format text|json|markdown] [-out FILE] [DIR]
//	drover apply [-auto-approve] [-json] [DIR|PLANFILE]
//	drover destroy [-auto-approve] [-json] [DIR]
//	drover graph [-type resources|topology] [DIR]
//	drover show KIND [DIR] | drover show -plan FILE [-format text|json|markdown]
//	drover lab up|down|status|exec|image [DIR]
//	drover help [COMMAND [SUBCOMMAND]] | drover COMMAND -h | drover -version
//
// Every command takes -no-color and -v; those that read the configuration
// take -var, -var-file (and read DIR/*.auto.vars.hcl); those that connect
// take -limit PATTERN and -parallel N. Exit codes: 0 success (and help), 1
// error, 2 plan -detailed-exitcode with changes, 3 fmt -check unformatted.
package main

import (
	"fmt"
	"github.com/drover/drover/runner"
	"io"
	"os"
	"runtime/debug"
	"sort"
)

// command is one subcommand: it parses its own flags and returns the exit code.
type command struct {
	summary string
	run     func(env *env, args []string) int
}

// env is what a command talks to; tests give it buffers.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// helped is set when the command printed the help asked for: the
	// command then exits 0 whatever it returned.
	helped bool
	// noColor is -no-color; verbose is -v.
	noColor, verbose bool
	// stream is set while apply -json or destroy -json streams: errors
	// and diagnostics go there too.
	stream *stream
	// ssh, when set, replaces every server's SSH settings and dialer, as
	// a lab's do (the benchmarks' simulated fleet, bench/sim).
	ssh *runner.SSHOverride
	// secrets are the loaded cluster's (lang.Cluster.Secrets): fail
	// hides them from any error it prints.
	secrets []string
}

func commands() map[string]command {
	return map[string]command{
		"validate": {"check the configuration", cmdValidate},
		"fmt":      {"rewrite configuration files in canonical style", cmdFmt},
		"plan":     {"show what apply would change, host by host", cmdPlan},
		"apply":    {"make the servers match the configuration, then verify", cmdApply},
		"destroy":  {"remove everything drover made on the servers", cmdDestroy},
		"confirm":  {"keep an apply -confirm: disarm the revert on every host", cmdConfirm},
		"graph":    {"print the resource dependency graph as DOT", cmdGraph},
		"show":     {"show declared and live state (networks, bgp, lbs, vips, jobs, ...)", cmdShow},
		"lab":      {"a disposable local lab of the declared servers", cmdLab},
		"version":  {"print the version", cmdVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}

func run(args []string, e *env) int {
	cmds := commands()
	if len(args) == 0 {
		usage(e.stderr, cmds)
		return 1
	}
	switch args[0] {
	case "-h", "--help", "-help":
		usage(e.stdout, cmds) // asked for: stdout and success, so that `drover -h | less` works
		return 0
	case "help":
		return helpCommand(e, args[1:])
	case "-version", "--version":
		return cmdVersion(e, nil)
	}
	c, ok := cmds[args[0]]
	if !ok {
		unknownCommand(e, args[0], cmds)
		return 1
	}
	code := c.run(e, args[1:])
	if e.helped {
		return 0
	}
	return code
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Usage: drover COMMAND [flags] [DIR]")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nFlags may be written -flag or --flag; DIR defaults to the current folder.")
	fmt.Fprintln(w, "`drover COMMAND -h` or `drover help COMMAND` describes a command; -version prints the version.")
}

// version is set by the build (make: git describe).
var version = "dev"

// droverVersion is the version set by the build, else the module version
// `go install ...@VERSION` recorded in the build info, else "dev".
func droverVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func cmdVersion(e *env, args []string) int {
	f := newFlags(e, "version")
	if pos, err := f.parse(args); err != nil || len(pos) > 0 {
		return 1
	}
	fmt.Fprintf(e.stdout, "drover %s\n", droverVersion())
	return 0
}

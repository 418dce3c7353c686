package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

// flags is a FlagSet that also accepts flags after the positional DIR, as
// Terraform users expect ("drover plan DIR -json").
type flags struct {
	*flag.FlagSet
	// settings are the -var and -var-file arguments in order.
	settings []varSetting
	e        *env
	name     string // the command, "plan" or "lab up": its help's key
}

// flagT is one flag, for VisitAll.
type flagT = flag.Flag

// newFlags makes the flags of command name. -h, -help and --help print the
// command's help on stdout (and the command exits 0); a mistake prints the
// error and the help on stderr.
func newFlags(e *env, name string) *flags {
	fs := flag.NewFlagSet("drover "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolFunc("no-color", "no colours (also NO_COLOR=1; output that is not a terminal has none)", func(v string) error {
		e.noColor = v != "false"
		return nil
	})
	fs.BoolFunc("v", "debug log on stderr: SSH settings and where they came from, connections, helper starts and calls with timing (also DROVER_LOG=debug)", func(v string) error {
		e.verbose = v != "false"
		return nil
	})
	return &flags{FlagSet: fs, e: e, name: name}
}

// withVars adds -var NAME=VALUE and -var-file FILE.
func (f *flags) withVars() *flags {
	f.Var(settingsFlag{list: &f.settings}, "var", "set a variable: -var NAME=VALUE (repeatable)")
	f.Var(settingsFlag{list: &f.settings, file: true}, "var-file",
		"set variables from an HCL `FILE` of NAME = VALUE lines (repeatable); DIR/*.auto.vars.hcl are read first")
	return f
}

// parse parses flags anywhere among args and returns the positionals.
func (f *flags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			f.explain(err)
			return nil, err
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// explain prints the help asked for (stdout) or the mistake (stderr).
func (f *flags) explain(err error) {
	if errors.Is(err, flag.ErrHelp) {
		f.e.helped = true
		printHelp(f.e.stdout, f.name, f)
		return
	}
	fmt.Fprintln(f.e.stderr, err)
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		var names []string
		f.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
		if s := suggestCommand(name, names); s != "" {
			fmt.Fprintf(f.e.stderr, "Did you mean -%s?\n", s)
		}
	}
	fmt.Fprintln(f.e.stderr)
	printHelp(f.e.stderr, f.name, f)
}

// parseDir parses flags and the optional DIR; on a mistake it says why.
func (f *flags) parseDir(e *env, args []string) (string, bool) {
	pos, err := f.parse(args)
	if err != nil {
		return "", false
	}
	dir, err := dirArg(pos)
	if err != nil {
		fail(e, err)
		return "", false
	}
	return dir, true
}

// fail prints an error for people and returns the exit code 1.
func fail(e *env, err error) int {
	err = core.HideError(err, e.secrets)
	if e.stream != nil {
		e.stream.errorf(err)
		return 1
	}
	fmt.Fprintf(e.stderr, "%s %v\n", e.colorFor(e.stderr).red("Error:"), err)
	return 1
}

// dirArg returns the single DIR argument, default ".".
func dirArg(pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return ".", nil
	case 1:
		return pos[0], nil
	}
	return "", fmt.Errorf("expected at most one DIR, got %s", strings.Join(pos, " "))
}

// options gathers -var and -var-file settings, DIR/*.auto.vars.hcl and
// DROVER_VAR_name from the environment (a setting wins; an environment
// variable no file declares is ignored). It returns the variable files
// (for snippets) and their diagnostics.
func (f *flags) options(dir string) (lang.Options, map[string]*hcl.File, hcl.Diagnostics) {
	vars, files, diags := f.varValues(dir)
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if rest, ok := strings.CutPrefix(kv, "DROVER_VAR_"); ok {
			k, v, _ := strings.Cut(rest, "=")
			env[k] = v
		}
	}
	return lang.Options{Vars: vars, EnvVars: env, Kinds: modules.Kinds()}, files, diags
}

// load reads and validates DIR, printing diagnostics (human or JSON).
// It returns nil when the configuration has errors.
func load(e *env, dir string, f *flags, asJSON bool) *lang.Cluster {
	return loadFor(e, dir, f, asJSON, false)
}

// loadFor is load; lenient (destroy, lab up) accepts a configuration
// whose only errors are required variables without a value, when every
// server's address is known without them: those commands need the
// servers, not what the variables configure.
func loadFor(e *env, dir string, f *flags, asJSON, lenient bool) *lang.Cluster {
	lo, vfiles, vdiags := f.options(dir)
	var c *lang.Cluster
	diags := vdiags
	if !vdiags.HasErrors() {
		var more hcl.Diagnostics
		c, more = lang.Load(dir, lo)
		diags = append(diags, more...)
	}
	if lenient && c != nil && onlyMissingVars(diags) && serversKnown(c) {
		diags = nil
	}
	switch {
	case diags.HasErrors() && asJSON:
		// Scripts asked for JSON: they get the diagnostics as JSON too.
		writeDiagnosticsJSON(e, diags)
	case len(diags) > 0 && !asJSON:
		files := map[string]*hcl.File{}
		if c != nil {
			maps.Copy(files, c.Files)
		}
		maps.Copy(files, vfiles)
		writeDiagnostics(e, files, diags)
	}
	if diags.HasErrors() {
		return nil
	}
	e.secrets = c.Secrets
	return c
}

// onlyMissingVars reports whether every error is a required variable
// without a value.
func onlyMissingVars(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary != "No value for required variable" {
			return false
		}
	}
	return true
}

// serversKnown reports whether every server has its address (an IP
// address, or a host name whose IP is learned).
func serversKnown(c *lang.Cluster) bool {
	for _, s := range c.Servers {
		if !s.Local && net.ParseIP(s.Address) == nil && !s.LearnAddress {
			return false
		}
	}
	return len(c.Servers) > 0
}

// configHash identifies the configuration: every *.hcl file's name and
// content. A saved plan is refused when it changed.
func configHash(dir string) (string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(p), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeJSON(e *env, v any) {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// writeDiagnostics prints diagnostics for people on stderr, at most
// lang.MaxDiagnosticsPerFile of a file.
func writeDiagnostics(e *env, files map[string]*hcl.File, diags hcl.Diagnostics) {
	lang.WriteDiagnostics(e.stderr, files, lang.CapDiagnostics(diags), e.colorFor(e.stderr).on)
}

// writeDiagnosticsJSON prints diagnostics as validate -json's document.
func writeDiagnosticsJSON(e *env, diags hcl.Diagnostics) {
	if e.stream != nil {
		e.stream.diagnostics(diags)
		return
	}
	writeJSON(e, map[string]any{"format_version": "1.0", "valid": false,
		"diagnostics": lang.DiagnosticsJSON(lang.CapDiagnostics(diags))})
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lab"
	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
	"github.com/drover/drover/runner"
	"github.com/drover/drover/runner/transport"
)

// runFlags are the flags of every command that connects to servers.
type runFlags struct {
	parallel *int
	limit    *string
	asJSON   *bool
	askPass  *bool
	// names are the servers -limit selects, once checkLimit resolved it.
	names *[]string
}

func addRunFlags(f *flags) runFlags {
	return runFlags{
		parallel: f.Int("parallel", 0, "hosts to work on at once (default 100, or 10 when a server is reached through a jump host)"),
		limit: f.String("limit", "", "only these servers: names, globs (s*), labels (role=web), exclusions (!s3),\n"+
			"intersections (&role=web) and @FILE, comma-separated"),
		asJSON: f.Bool("json", false, "print the result as JSON"),
		askPass: f.Bool("ask-become-pass", false, "ask on the terminal for the sudo password of become\n"+
			"(or set DROVER_BECOME_PASSWORD, or DROVER_BECOME_PASSWORD_FILE to a file holding it)"),
		names: new([]string),
	}
}

// limits returns the servers -limit selected (nil: all); checkLimit must
// have resolved it.
func (r runFlags) limits() []string {
	if *r.limit == "" {
		return nil
	}
	return *r.names
}

// checkLimit resolves -limit against the declared servers and names what
// does not match.
func checkLimit(c *lang.Cluster, r runFlags) error {
	if *r.limit == "" {
		return nil
	}
	names, err := selectServers(c, *r.limit)
	if err != nil {
		return err
	}
	*r.names = names
	return nil
}

// loadForRun loads the configuration of a command that connects, resolves
// -limit and builds the runner's options; ok is false once it reported
// why not (the exit code is then 1).
func loadForRun(e *env, dir string, f *flags, r runFlags, lenient bool) (*lang.Cluster, runner.Options, bool) {
	c := loadFor(e, dir, f, *r.asJSON, lenient)
	if c == nil {
		return nil, runner.Options{}, false
	}
	if err := checkLimit(c, r); err != nil {
		fail(e, err)
		return nil, runner.Options{}, false
	}
	opts, err := options(e, dir, r)
	if err != nil {
		fail(e, err)
		return nil, runner.Options{}, false
	}
	return c, opts, true
}

// options builds the runner's options; when a lab of dir is up, its key,
// known_hosts and dialer are used so that the HCL applies unchanged.
func options(e *env, dir string, r runFlags) (runner.Options, error) {
	opts := runner.Options{Parallel: *r.parallel, Limit: r.limits(), Helper: helperBinary(), Log: logger(e), Expand: modules.Expand}
	if !*r.asJSON {
		opts.Progress = e.stderr
	}
	if v := os.Getenv("DROVER_HEARTBEAT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return opts, fmt.Errorf("DROVER_HEARTBEAT=%s: write a duration such as 10s, or -1s for none", v)
		}
		opts.Heartbeat = d
	}
	sc, err := transport.LoadSSHConfig(transport.UserSSHConfig, transport.SystemSSHConfig)
	if err != nil {
		return opts, fmt.Errorf("ssh_config: %w", err)
	}
	opts.SSHConfig = sc
	for _, w := range sc.Warnings {
		fmt.Fprintf(e.stderr, "Warning: ssh_config: %s\n", w)
	}
	if opts.BecomePassword, err = becomePassword(e, *r.askPass); err != nil {
		return opts, err
	}
	if e.ssh != nil {
		opts.SSH = *e.ssh
		return opts, nil
	}
	st, err := lab.Load(labDir(dir))
	if err != nil {
		return opts, fmt.Errorf("lab state in %s: %w", labDir(dir), err)
	}
	if st != nil {
		opts.Log.Debug("lab is up: its user, key, known_hosts and dialer replace the ssh block's", "lab", labDir(dir),
			"user", st.User, "identity_file", st.IdentityFile, "known_hosts", st.KnownHosts)
		opts.SSH = runner.SSHOverride{
			User: st.User, IdentityFile: st.IdentityFile, KnownHosts: st.KnownHosts,
			NoAgent: true, Dial: st.Dial,
		}
	}
	return opts, nil
}

// logger is the debug log of -v or DROVER_LOG=debug, on stderr; else a
// logger that drops everything.
func logger(e *env) *slog.Logger {
	if !e.verbose && !strings.EqualFold(os.Getenv("DROVER_LOG"), "debug") {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func labDir(dir string) string { return filepath.Join(dir, ".drover", "lab") }

// signalContext is cancelled on Ctrl-C / SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// confirm asks before a change unless -auto-approve was given.
func confirm(e *env, question string) bool {
	fmt.Fprintf(e.stdout, "\n%s\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", question)
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	return strings.TrimSpace(line) == "yes"
}

// jsonPlan is the plan's machine view: unknown values are null and listed,
// sensitive values replaced.
type jsonPlan struct {
	FormatVersion string     `json:"format_version"`
	Offline       bool       `json:"offline"`
	Hosts         []jsonHost `json:"hosts"`
	Summary       jsonCounts `json:"summary"`
}

type jsonHost struct {
	Host    string `json:"host"`
	Address string `json:"address"`
	Error   string `json:"error,omitempty"`
	// Unreachable is set when Error is a failure to connect.
	Unreachable bool         `json:"unreachable,omitempty"`
	Changes     []jsonChange `json:"changes"`
	// Notes say what the host reverted by itself, or has armed.
	Notes []string `json:"notes,omitempty"`
}

type jsonChange struct {
	Action  string             `json:"action"`
	ID      string             `json:"id"`
	Kind    string             `json:"kind"`
	Owners  []string           `json:"owners"`
	Attrs   map[string]*string `json:"attrs,omitempty"`
	Unknown []string           `json:"unknown,omitempty"`
	Fields  []core.FieldChange `json:"fields,omitempty"`
	Diff    string             `json:"diff,omitempty"`
}

type jsonCounts struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

func toJSONPlan(p *runner.Plan) jsonPlan {
	out := jsonPlan{FormatVersion: p.FormatVersion, Offline: p.Offline, Hosts: []jsonHost{}}
	for _, hp := range p.Hosts {
		jh := jsonHost{Host: hp.Host, Address: hp.Address, Error: hp.Error, Unreachable: hp.Unreachable, Changes: []jsonChange{}}
		for _, c := range hp.Changes {
			if c.Action == core.NoOp {
				continue
			}
			jh.Changes = append(jh.Changes, toJSONChange(c))
		}
		out.Hosts = append(out.Hosts, jh)
	}
	out.Summary.Add, out.Summary.Change, out.Summary.Destroy = p.Counts()
	return out
}

func toJSONChange(c core.Change) jsonChange {
	r := c.Resource
	jc := jsonChange{Action: string(c.Action), ID: display(r.ID()), Kind: r.Kind, Owners: r.Owners,
		Attrs: map[string]*string{}, Diff: c.Diff}
	for _, k := range core.SortedKeys(r.Attrs) {
		v := r.Attrs[k]
		switch {
		case r.IsSensitive(k):
			v = core.Sensitive
		case strings.Contains(v, core.Unknown):
			jc.Attrs[k] = nil
			jc.Unknown = append(jc.Unknown, k)
			continue
		}
		jc.Attrs[k] = &v
	}
	for _, f := range c.Fields {
		if r.IsSensitive(f.Name) {
			f.Old, f.New = core.MaskedValue(f.Old), core.MaskedValue(f.New)
		}
		f.Old, f.New = display(f.Old), display(f.New) // not the raw unknown marker
		jc.Fields = append(jc.Fields, f)
	}
	return jc
}

// savedPlan is the file written by plan -out and read by apply FILE.
type savedPlan struct {
	FormatVersion string       `json:"format_version"`
	Dir           string       `json:"dir"`
	Limit         []string     `json:"limit,omitempty"`
	Plan          *runner.Plan `json:"plan"`
}

func readSavedPlan(path string) (*savedPlan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sp savedPlan
	if err := json.Unmarshal(b, &sp); err != nil || sp.Plan == nil {
		return nil, fmt.Errorf("%s is not a drover plan file", path)
	}
	if sp.FormatVersion != runner.FormatVersion {
		return nil, fmt.Errorf("%s has plan format %s; this drover reads %s: make the plan again", path, sp.FormatVersion, runner.FormatVersion)
	}
	return &sp, nil
}

// isPlanFile tells a saved plan from a configuration folder.
func isPlanFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

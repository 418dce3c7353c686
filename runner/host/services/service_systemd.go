package services

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
)

// systemdBackend runs each service as the unit drover-NAME.service.
type systemdBackend struct {
	unitDir   string
	systemctl string
	// runDir is drover's runtime directory (/run/drover), where daemons
	// put pidfiles and sockets; every unit makes it before starting (it
	// is a tmpfs, empty after each boot).
	runDir string
}

func (b systemdBackend) unit(name string) string { return "drover-" + name + ".service" }

func (b systemdBackend) unitPath(name string) string {
	return filepath.Join(b.unitDir, b.unit(name))
}

// forkWrapper starts a daemon that writes its own pidfile: it forks, so
// that systemd sees every such daemon as forking (Type=forking with
// PIDFile) whether it stays in the foreground (dnsmasq
// --keep-in-foreground) or daemonizes itself (haproxy -D, nginx); systemd
// then supervises the PID the pidfile names.
const forkWrapper = "/usr/bin/setsid -f "

// renderUnit is the unit file of r: Type=forking with PIDFile when the
// daemon writes a pidfile (started through forkWrapper, a stale pidfile
// removed first), else Type=simple. Before each start the unit makes
// drover's runtime directory and the pidfile's (daemons write pidfiles and
// sockets there). Restart=on-failure restarts a daemon that dies.
func (b systemdBackend) renderUnit(r core.Resource) string {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Written by drover; changes are overwritten.\n%s%s\n[Unit]\nDescription=drover service %s\nAfter=network-online.target\n\n[Service]\n",
		commandComment, strconv.Quote(r.Attrs["command"]), r.Name)
	command := execStartArgs(r.Attrs["command"])
	pf := r.Attrs["pidfile"]
	if pf != "" {
		fmt.Fprintf(&buf, "Type=forking\nPIDFile=%s\n", pf)
		command = forkWrapper + command
	} else {
		buf.WriteString("Type=simple\n")
	}
	var dirs []string
	for _, d := range []string{b.runDir, filepath.Dir(pf)} {
		if d != "" && d != "." && !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	// "+": as root even when User= is set.
	if len(dirs) > 0 {
		fmt.Fprintf(&buf, "ExecStartPre=+/bin/mkdir -p %s\n", strings.Join(dirs, " "))
	}
	if pf != "" {
		fmt.Fprintf(&buf, "ExecStartPre=+/bin/rm -f %s\n", pf)
	}
	if u := r.Attrs["user"]; u != "" && u != "root" {
		fmt.Fprintf(&buf, "User=%s\n", u)
	}
	sig := "HUP"
	if _, ok := reloadSignals[r.Attrs["reload"]]; ok {
		sig = strings.TrimPrefix(r.Attrs["reload"], "SIG")
	}
	fmt.Fprintf(&buf, "ExecStart=%s\nExecReload=/bin/kill -%s $MAINPID\nRestart=on-failure\nRestartSec=1\n\n[Install]\nWantedBy=multi-user.target\n",
		command, sig)
	return buf.String()
}

func (b systemdBackend) systemctlRun(args ...string) (string, error) {
	return host.RunCommand("", b.systemctl, args...)
}

func (b systemdBackend) status(r core.Resource, saved map[string]string) (serviceStatus, error) {
	data, err := host.ReadFile(b.unitPath(r.Name))
	if errors.Is(err, os.ErrNotExist) {
		return serviceStatus{}, nil
	}
	if err != nil {
		return serviceStatus{}, err
	}
	st := serviceStatus{exists: true, restartKey: saved["restart_key"], command: unitExecStart(string(data))}
	_, err = b.systemctlRun("is-active", "--quiet", b.unit(r.Name))
	st.running = err == nil
	if out, err := b.systemctlRun("show", "-p", "MainPID", "--value", b.unit(r.Name)); err == nil {
		st.pid, _ = strconv.Atoi(strings.TrimSpace(out))
	}
	return st, nil
}

// commandComment starts the line of a unit renderUnit wrote that keeps the
// declared command, quoted as a Go string.
const commandComment = "# Command: "

// execStartArgs is the command's argv (splitCommand) as ExecStart= words,
// each quoted so that systemd passes it on exactly (no specifiers, no
// variables). Apply refuses a command that does not split.
func execStartArgs(command string) string {
	argv, _ := splitCommand(command)
	words := make([]string, len(argv))
	for i, w := range argv {
		words[i] = systemdQuote(w)
	}
	return strings.Join(words, " ")
}

// unitExecStart is the declared command of a unit renderUnit wrote (older
// units: their ExecStart).
func unitExecStart(unit string) string {
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(line, commandComment); ok {
			if command, err := strconv.Unquote(v); err == nil {
				return command
			}
		}
	}
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStart="); ok {
			return strings.TrimPrefix(v, forkWrapper)
		}
	}
	return ""
}

func (b systemdBackend) install(r core.Resource) (bool, error) {
	want := b.renderUnit(r)
	if have, err := host.ReadFile(b.unitPath(r.Name)); err == nil && string(have) == want {
		return false, nil
	}
	if err := host.Mkdirs(b.unitDir, 0o755); err != nil {
		return false, err
	}
	if err := host.WriteFileAtomic(b.unitPath(r.Name), []byte(want), host.RootFile(0o644)); err != nil {
		return false, err
	}
	if _, err := b.systemctlRun("daemon-reload"); err != nil {
		return false, err
	}
	return true, nil
}

// start enables and starts the unit, clearing first a failed state left
// by a daemon that kept dying (systemd refuses to start a unit that hit
// its start limit until then).
func (b systemdBackend) start(r core.Resource) error {
	unit := b.unit(r.Name)
	_, _ = b.systemctlRun("reset-failed", unit)
	if _, err := b.systemctlRun("enable", "--now", unit); err != nil {
		return err
	}
	// systemctl returns once a Type=simple daemon is forked: one that
	// exits at once (even with status 0, which Restart=on-failure
	// ignores) must fail the apply, as with the pidfile backend.
	time.Sleep(startSettle)
	if _, err := b.systemctlRun("is-active", "--quiet", unit); err != nil {
		journal, _ := host.RunCommand("", "journalctl", "-u", unit, "-n", "8", "--no-pager", "-o", "cat")
		return fmt.Errorf("%s exited at once; %s; journal:\n%s", r.Attrs["command"], b.describe(r), strings.TrimSpace(journal))
	}
	return nil
}

func (b systemdBackend) stop(r core.Resource, _ map[string]string) error {
	if _, err := os.Stat(b.unitPath(r.Name)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	_, err := b.systemctlRun("stop", b.unit(r.Name))
	return err
}

func (b systemdBackend) reload(r core.Resource, _ serviceStatus) error {
	_, err := b.systemctlRun("reload", b.unit(r.Name))
	return err
}

func (b systemdBackend) uninstall(r core.Resource) error {
	path := b.unitPath(r.Name)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := b.systemctlRun("disable", b.unit(r.Name)); err != nil {
		return err
	}
	if err := safefs.Remove(path); err != nil {
		return err
	}
	_, err := b.systemctlRun("daemon-reload")
	return err
}

// describe is the unit as systemd reports it, for the service check's
// detail and `drover show services`: "systemd drover-NAME.service
// active/running, enabled, 0 restarts".
func (b systemdBackend) describe(r core.Resource) string {
	unit := b.unit(r.Name)
	out, err := b.systemctlRun("show", "-p", "ActiveState", "-p", "SubState", "-p", "UnitFileState", "-p", "NRestarts", unit)
	if err != nil {
		return "systemd " + unit + ": " + err.Error()
	}
	v := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if key, val, ok := strings.Cut(line, "="); ok {
			v[key] = strings.TrimSpace(val)
		}
	}
	return fmt.Sprintf("systemd %s %s/%s, %s, %s restarts", unit, v["ActiveState"], v["SubState"], v["UnitFileState"], v["NRestarts"])
}

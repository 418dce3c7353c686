package services

import (
	"fmt"
	"strings"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// reloadSignals are the signals a service may be reloaded with.
var reloadSignals = map[string]syscall.Signal{
	"SIGHUP": syscall.SIGHUP, "SIGUSR1": syscall.SIGUSR1, "SIGUSR2": syscall.SIGUSR2,
}

// serviceKind keeps a daemon running, and reloads or restarts it when its
// restart_key changes (the controller passes a hash of the daemon's config
// files, so a changed config notifies the daemon).
//
// Name: the service name (used in unit, pidfile and log names). Attributes:
//   - command: the daemon's argv as shell words (splitCommand: quotes and
//     backslashes group and escape, nothing is expanded, no shell runs);
//     foreground or forking
//   - pidfile: the pidfile the daemon writes itself (optional; set it for
//     forking daemons). Without it the daemon must stay in the foreground
//     and drover writes the pidfile. Not compared.
//   - reload: "restart" (default), or the signal that makes the daemon
//     reload its configuration ("SIGHUP", "SIGUSR1", "SIGUSR2"), what to
//     do when restart_key changes. Not compared.
//   - user: run the daemon as this user, with its primary group (default:
//     root); for daemons that refuse to start as root (postgres)
//   - restart_key: any string; a change reloads or restarts the daemon
//   - running: "true" (always; read back "false" when the daemon died, so
//     the plan shows an update that starts it again)
//
// Backends: systemd when the host runs it (unit
// /etc/systemd/system/drover-NAME.service, Type=forking with PIDFile when
// pidfile is set), otherwise a pidfile backend: the daemon is started in
// its own session with stdout and stderr appended to
// /var/log/drover/NAME.log, and it runs while its pidfile names a live
// process whose /proc/PID/cmdline matches the command.
type serviceKind struct {
	backend serviceBackend
}

// serviceBackend starts, inspects and stops daemons in one way.
type serviceBackend interface {
	// status reads the service as it runs now: exists when the host
	// knows the service at all (running or not).
	status(r core.Resource, saved map[string]string) (serviceStatus, error)
	start(r core.Resource) error
	stop(r core.Resource, saved map[string]string) error
	reload(r core.Resource, st serviceStatus) error
	// install makes the service known to the host (a unit file); it
	// reports whether the definition changed.
	install(r core.Resource) (bool, error)
	uninstall(r core.Resource) error
}

// serviceStatus is what a backend knows of a service.
type serviceStatus struct {
	exists     bool
	running    bool
	pid        int
	identity   processIdentity // of the running daemon (pidfile backend)
	command    string          // as last started by drover, "" when unknown
	restartKey string
}

func newServiceKind(env host.Env) serviceKind {
	if env.Systemd {
		systemctl := env.Systemctl
		if systemctl == "" {
			systemctl = "systemctl"
		}
		return serviceKind{backend: systemdBackend{unitDir: env.UnitDir, systemctl: systemctl, runDir: env.RunDir}}
	}
	return serviceKind{backend: pidfileBackend{runDir: env.RunDir, logDir: env.LogDir}}
}

func (serviceKind) ReplaceOn() []string { return nil }

func (serviceKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "reload", "restart")
	r.Attrs["running"] = "true"
	return r
}

func (k serviceKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	st, err := k.backend.status(r, saved)
	if err != nil || !st.exists {
		return nil, false, err
	}
	actual := map[string]string{
		"running":     fmt.Sprint(st.running),
		"restart_key": st.restartKey,
		"command":     st.command,
	}
	if st.running && configStale(r, saved) {
		actual["restart_key"] += staleNote
	}
	if st.command == "" {
		delete(actual, "command")
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

func (k serviceKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
	if strings.ContainsAny(r.Attrs["command"], "\n\r\x00") {
		return nil, fmt.Errorf("service %s: attribute command holds a line break or a NUL: a unit file or an argv cannot carry it", r.Name)
	}
	if argv, err := splitCommand(r.Attrs["command"]); err != nil || len(argv) == 0 {
		return nil, fmt.Errorf("service %s: attribute command is empty or does not split into words: %v", r.Name, err)
	}
	if _, ok := reloadSignals[r.Attrs["reload"]]; !ok && r.Attrs["reload"] != "restart" {
		return nil, fmt.Errorf("service %s: reload=%q is none of restart, SIGHUP, SIGUSR1, SIGUSR2", r.Name, r.Attrs["reload"])
	}
	st, err := k.backend.status(r, saved)
	if err != nil {
		return nil, err
	}
	changed, err := k.backend.install(r)
	if err != nil {
		return nil, err
	}
	commandChanged := changed || (st.command != "" && st.command != r.Attrs["command"])
	reconfigure := st.restartKey != r.Attrs["restart_key"] || configStale(r, saved)
	loadedAt := saved["loaded_at"]
	switch {
	case !st.running:
		err = k.backend.start(r)
		loadedAt = loadedNow()
	case commandChanged || (reconfigure && r.Attrs["reload"] == "restart"):
		if err = k.backend.stop(r, saved); err == nil {
			err = k.backend.start(r)
		}
		loadedAt = loadedNow()
	case reconfigure:
		err = k.backend.reload(r, st)
		loadedAt = loadedNow()
	}
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", r.Name, err)
	}
	out := map[string]string{"command": r.Attrs["command"], "restart_key": r.Attrs["restart_key"], "pidfile": r.Attrs["pidfile"]}
	if loadedAt != "" {
		out["loaded_at"] = loadedAt
	}
	return out, nil
}

func (k serviceKind) Delete(r core.Resource, saved map[string]string) error {
	if err := k.backend.stop(r, saved); err != nil {
		return fmt.Errorf("service %s: %w", r.Name, err)
	}
	return k.backend.uninstall(r)
}

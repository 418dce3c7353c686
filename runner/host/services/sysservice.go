package services

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// sysserviceKind drives a service the operating system already knows
// (installed by a package: nginx, haproxy, ssh): started or stopped,
// enabled at boot or not, and restarted or reloaded when its restart_key
// changes (the controller passes a hash of the files it watches: the
// handler). drover's own daemons use the service kind instead.
//
// Name: the service name. Attributes:
//   - name: the service (default: the resource name)
//   - state: "started" (default) or "stopped"
//   - enabled: "true" or "false": started at boot (systemd only; other
//     hosts ignore it); compared when set
//   - restart_key: any string; a change restarts or reloads a started
//     service
//   - reload: "restart" (default) or "reload", what a restart_key change
//     does. Not compared.
//   - pidfile: optional; when set (and not under systemd) the service
//     runs while the pidfile names a live process, read without spawning
//     a process. Not compared.
//
// Backends: systemctl where the host runs systemd, else the init script
// /etc/init.d/NAME (start, stop, restart, reload, status).
//
// Saved: "restart_key", and "started" ("true" when drover started the
// service; Delete stops only those).
type sysserviceKind struct {
	systemd   bool
	systemctl string
	initDir   string // default /etc/init.d
}

func newSysserviceKind(env host.Env) sysserviceKind {
	systemctl := env.Systemctl
	if systemctl == "" {
		systemctl = "systemctl"
	}
	return sysserviceKind{systemd: env.Systemd, systemctl: systemctl, initDir: "/etc/init.d"}
}

func (sysserviceKind) ReplaceOn() []string { return []string{"name"} }

func (sysserviceKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "name", r.Name)
	host.SetDefault(r.Attrs, "state", "started")
	host.SetDefault(r.Attrs, "reload", "restart")
	return r
}

// known tells whether the host has the service at all.
func (k sysserviceKind) known(name string) bool {
	if k.systemd {
		out, err := host.RunCommand("", k.systemctl, "show", "-p", "LoadState", "--value", name)
		return err == nil && len(out) > 0 && out[:len(out)-1] != "not-found"
	}
	fi, err := os.Stat(filepath.Join(k.initDir, name))
	return err == nil && fi.Mode()&0o111 != 0
}

func (k sysserviceKind) running(r core.Resource) bool {
	name := r.Attrs["name"]
	if k.systemd {
		return exec.Command(k.systemctl, "is-active", "--quiet", name).Run() == nil
	}
	if p := r.Attrs["pidfile"]; p != "" {
		pid := readPidfile(p)
		return pid > 0 && processAlive(pid)
	}
	return exec.Command(filepath.Join(k.initDir, name), "status").Run() == nil
}

func (k sysserviceKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	name := r.Attrs["name"]
	if !k.known(name) {
		return nil, false, nil
	}
	actual := map[string]string{"name": name, "state": "stopped", "restart_key": saved["restart_key"]}
	if k.running(r) {
		actual["state"] = "started"
	}
	if k.systemd && r.Attrs["enabled"] != "" {
		actual["enabled"] = fmt.Sprint(exec.Command(k.systemctl, "is-enabled", "--quiet", name).Run() == nil)
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

// do runs one action (start, stop, restart, reload) of the service.
func (k sysserviceKind) do(name, action string) error {
	var err error
	if k.systemd {
		_, err = host.RunCommand("", k.systemctl, action, name)
	} else {
		_, err = host.RunCommand("", filepath.Join(k.initDir, name), action)
	}
	if err != nil {
		return fmt.Errorf("service %s: %s: %w", name, action, err)
	}
	return nil
}

func (k sysserviceKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
	name := r.Attrs["name"]
	if !k.known(name) {
		return nil, fmt.Errorf("service %s is not installed on this host (no unit or %s); install its package first", name, filepath.Join(k.initDir, name))
	}
	if r.Attrs["reload"] != "restart" && r.Attrs["reload"] != "reload" {
		return nil, fmt.Errorf("service %s: reload=%q is neither restart nor reload", name, r.Attrs["reload"])
	}
	out := host.CopyAttrs(saved)
	out["restart_key"] = r.Attrs["restart_key"]
	if err := k.enable(r); err != nil {
		return nil, err
	}
	running := k.running(r)
	switch {
	case r.Attrs["state"] == "stopped":
		if running {
			return out, k.do(name, "stop")
		}
	case !running:
		out["started"] = "true"
		return out, k.do(name, "start")
	case saved["restart_key"] != r.Attrs["restart_key"]:
		return out, k.do(name, r.Attrs["reload"])
	}
	return out, nil
}

func (k sysserviceKind) enable(r core.Resource) error {
	if !k.systemd || r.Attrs["enabled"] == "" {
		return nil
	}
	action := "enable"
	if r.Attrs["enabled"] == "false" {
		action = "disable"
	}
	return k.do(r.Attrs["name"], action)
}

func (k sysserviceKind) Delete(r core.Resource, saved map[string]string) error {
	name := r.Attrs["name"]
	if name == "" {
		name = r.Name
	}
	if saved["started"] != "true" || !k.known(name) || !k.running(r) {
		return nil
	}
	return k.do(name, "stop")
}

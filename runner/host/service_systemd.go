package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// systemdBackend runs each service as the unit drover-NAME.service.
type systemdBackend struct {
	unitDir   string
	systemctl string
}

func (b systemdBackend) unit(name string) string { return "drover-" + name + ".service" }

func (b systemdBackend) unitPath(name string) string {
	return filepath.Join(b.unitDir, b.unit(name))
}

// renderUnit is the unit file of r: Type=forking with PIDFile when the
// daemon writes a pidfile, else Type=simple.
func renderUnit(r Resource) string {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Written by drover; changes are overwritten.\n[Unit]\nDescription=drover service %s\nAfter=network-online.target\n\n[Service]\n", r.Name)
	if r.Attrs["pidfile"] != "" {
		fmt.Fprintf(&buf, "Type=forking\nPIDFile=%s\n", r.Attrs["pidfile"])
	} else {
		buf.WriteString("Type=simple\n")
	}
	if u := r.Attrs["user"]; u != "" && u != "root" {
		fmt.Fprintf(&buf, "User=%s\n", u)
	}
	sig := "HUP"
	if _, ok := reloadSignals[r.Attrs["reload"]]; ok {
		sig = strings.TrimPrefix(r.Attrs["reload"], "SIG")
	}
	fmt.Fprintf(&buf, "ExecStart=%s\nExecReload=/bin/kill -%s $MAINPID\nRestart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n",
		strings.Join(strings.Fields(r.Attrs["command"]), " "), sig)
	return buf.String()
}

func (b systemdBackend) systemctlRun(args ...string) (string, error) {
	return runCommand("", b.systemctl, args...)
}

func (b systemdBackend) status(r Resource, saved map[string]string) (serviceStatus, error) {
	data, err := os.ReadFile(b.unitPath(r.Name))
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

func unitExecStart(unit string) string {
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(line, "ExecStart="); ok {
			return v
		}
	}
	return ""
}

func (b systemdBackend) install(r Resource) (bool, error) {
	want := renderUnit(r)
	if have, err := os.ReadFile(b.unitPath(r.Name)); err == nil && string(have) == want {
		return false, nil
	}
	if err := os.MkdirAll(b.unitDir, 0o755); err != nil {
		return false, err
	}
	if err := writeFileAtomic(b.unitPath(r.Name), []byte(want), 0o644, nil); err != nil {
		return false, err
	}
	if _, err := b.systemctlRun("daemon-reload"); err != nil {
		return false, err
	}
	return true, nil
}

func (b systemdBackend) start(r Resource) error {
	_, err := b.systemctlRun("enable", "--now", b.unit(r.Name))
	return err
}

func (b systemdBackend) stop(r Resource, _ map[string]string) error {
	if _, err := os.Stat(b.unitPath(r.Name)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	_, err := b.systemctlRun("stop", b.unit(r.Name))
	return err
}

func (b systemdBackend) reload(r Resource, _ serviceStatus) error {
	_, err := b.systemctlRun("reload", b.unit(r.Name))
	return err
}

func (b systemdBackend) uninstall(r Resource) error {
	path := b.unitPath(r.Name)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := b.systemctlRun("disable", b.unit(r.Name)); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	_, err := b.systemctlRun("daemon-reload")
	return err
}

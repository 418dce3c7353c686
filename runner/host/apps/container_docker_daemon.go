package apps

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/drover/drover/runner/host"
)

// ensureDaemon gives dockerd drover's settings (restarting it only when
// daemon.json changed) and removes what a dockerd with its defaults left
// in the firewall and links.
func (d dockerDriver) ensureDaemon() error {
	data, err := host.ReadFile(d.daemonCfg)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("docker daemon: %w", err)
	}
	merged, changed, err := mergeDaemonConfig(data)
	if err != nil {
		return fmt.Errorf("docker daemon: %s: %w", d.daemonCfg, err)
	}
	if changed {
		if err := host.Mkdirs(filepath.Dir(d.daemonCfg), 0o755); err != nil {
			return err
		}
		if err := host.WriteFileAtomic(d.daemonCfg, merged, host.RootFile(0o644)); err != nil {
			return err
		}
		if err := d.restartDaemon(); err != nil {
			return err
		}
	}
	if err := d.removeDockerRules(); err != nil {
		return err
	}
	return d.removeDocker0()
}

// mergeDaemonConfig sets dockerDaemonSettings in a daemon.json (empty:
// none yet), keeping its other settings; changed is false when they were
// all set already.
func mergeDaemonConfig(data []byte) ([]byte, bool, error) {
	cfg := map[string]any{}
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &cfg); err != nil {
			return nil, false, fmt.Errorf("not a JSON object: %w", err)
		}
	}
	changed := false
	for k, v := range dockerDaemonSettings {
		if !reflect.DeepEqual(cfg[k], v) {
			cfg[k] = v
			changed = true
		}
	}
	out, err := json.MarshalIndent(cfg, "", "  ")
	return append(out, '\n'), changed, err
}

// restartDaemon restarts dockerd for its new settings (live-restore, once
// set, keeps containers running meanwhile).
func (d dockerDriver) restartDaemon() error {
	if d.systemctl == "" {
		return fmt.Errorf("docker daemon: %s changed and this host has no systemd: restart dockerd for it to take effect", d.daemonCfg)
	}
	_, err := d.run("", d.systemctl, "restart", "docker.service")
	return err
}

// removeDockerRules deletes the rules and chains a dockerd with iptables
// on made (iptables and ip6tables, tables filter and nat), and puts back
// the FORWARD policy it set to DROP. Nothing else is touched.
func (d dockerDriver) removeDockerRules() error {
	var errs []error
	for _, bin := range []string{"iptables", "ip6tables"} {
		for _, table := range []string{"filter", "nat"} {
			listing, err := d.run("", bin, "-w", "-t", table, "-S")
			if err != nil {
				continue // no such program or table
			}
			for _, cmd := range dockerRuleCommands(table, listing) {
				if _, err := d.run("", bin, append([]string{"-w", "-t", table}, cmd...)...); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// dockerRuleCommands are the iptables arguments that remove Docker's rules
// from one table's `iptables -S` listing: its rules in other chains (those
// jumping to a DOCKER chain or naming docker0), then its chains (flushed,
// then deleted), then, in filter, a FORWARD policy of DROP that Docker set
// (it had chains there) is put back to ACCEPT.
func dockerRuleCommands(table, listing string) [][]string {
	var rules, chains [][]string
	forwardDrop := false
	for _, line := range strings.Split(listing, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "-P" && f[1] == "FORWARD":
			forwardDrop = f[2] == "DROP"
		case len(f) == 2 && f[0] == "-N" && isDockerChain(f[1]):
			chains = append(chains, f[1:])
		case len(f) > 2 && f[0] == "-A" && !isDockerChain(f[1]) && isDockerRule(f[2:]):
			rules = append(rules, append([]string{"-D"}, f[1:]...))
		}
	}
	var cmds [][]string
	cmds = append(cmds, rules...)
	for _, c := range chains {
		cmds = append(cmds, []string{"-F", c[0]})
	}
	for _, c := range chains {
		cmds = append(cmds, []string{"-X", c[0]})
	}
	if table == "filter" && forwardDrop && len(chains) > 0 {
		cmds = append(cmds, []string{"-P", "FORWARD", "ACCEPT"})
	}
	return cmds
}

func isDockerChain(name string) bool { return strings.HasPrefix(name, "DOCKER") }

// isDockerRule reports a rule of Docker's in a built-in chain: it jumps
// to a DOCKER chain or matches docker0.
func isDockerRule(spec []string) bool {
	for i, w := range spec {
		if (w == "-j" || w == "-g") && i+1 < len(spec) && isDockerChain(spec[i+1]) {
			return true
		}
		if w == "docker0" {
			return true
		}
	}
	return false
}

// removeDocker0 deletes the default bridge a dockerd with its defaults
// made, once nothing is on it (drover's daemon settings make none).
func (d dockerDriver) removeDocker0() error {
	if _, err := os.Stat(filepath.Join(d.sysNet, "docker0", "bridge")); err != nil {
		return nil
	}
	if ports, _ := os.ReadDir(filepath.Join(d.sysNet, "docker0", "brif")); len(ports) > 0 {
		return nil
	}
	_, err := d.run("", "ip", "link", "delete", "docker0")
	return err
}

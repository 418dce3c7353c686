package apps

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// packageKind makes sure an OS package is installed, or removed. Packages
// are shared with everything else on the host, so by default Delete leaves
// an installed package installed.
//
// Name: the package. Attributes:
//   - name: the package (default: the resource name)
//   - manager: "apt" or "dnf" (default: apt where dpkg-query exists,
//     else dnf where rpm exists)
//   - state: "present" (default) or "absent" (removed when installed)
//   - remove_on_delete: "true" makes Delete remove the package, when
//     drover installed it. Not compared.
//
// apt packages are read from dpkg's status file (no process spawned);
// dnf ones with rpm -q. A missing package plans a create; state absent
// reads back state ("present" while installed) and plans an update.
//
// Saved: "installed" ("true" when drover installed the package).
type packageKind struct {
	dpkgStatus string // default /var/lib/dpkg/status
}

func (packageKind) ReplaceOn() []string { return nil }

func (packageKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "name", r.Name)
	host.SetDefault(r.Attrs, "state", "present")
	if r.Attrs["manager"] == "" || r.Attrs["manager"] == "auto" {
		r.Attrs["manager"] = detectPackageManager()
	}
	return r
}

func detectPackageManager() string {
	if _, err := exec.LookPath("dpkg-query"); err == nil {
		return "apt"
	}
	if _, err := exec.LookPath("rpm"); err == nil {
		return "dnf"
	}
	return "unknown"
}

func (k packageKind) installed(name, manager string) (bool, error) {
	switch manager {
	case "apt":
		status := k.dpkgStatus
		if status == "" {
			status = "/var/lib/dpkg/status"
		}
		return dpkgInstalled(status, name)
	case "dnf":
		_, err := host.RunCommand("", "rpm", "-q", name)
		return err == nil, nil
	}
	return false, fmt.Errorf("package %s: no known package manager (apt or dnf) on this host", name)
}

// dpkgInstalled reads dpkg's status file: the package's stanza must say
// "Status: install ok installed" (any architecture).
func dpkgInstalled(statusFile, name string) (bool, error) {
	f, err := os.Open(statusFile)
	if err != nil {
		return false, fmt.Errorf("package %s: %w", name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	current := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			current = false
		case strings.HasPrefix(line, "Package: "):
			current = strings.TrimPrefix(line, "Package: ") == name
		case current && strings.HasPrefix(line, "Status: "):
			if strings.HasSuffix(line, " installed") && !strings.HasSuffix(line, "not-installed") {
				return true, nil
			}
		}
	}
	return false, sc.Err()
}

func (k packageKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	name := r.Attrs["name"]
	installed, err := k.installed(name, r.Attrs["manager"])
	if err != nil {
		return nil, false, err
	}
	actual := map[string]string{"name": name, "manager": r.Attrs["manager"]}
	if r.Attrs["state"] == "absent" {
		actual["state"] = "absent"
		if installed {
			actual["state"] = "present"
		}
		return actual, true, nil
	}
	if !installed {
		return nil, false, nil
	}
	return actual, true, nil
}

func (k packageKind) Apply(r core.Resource, actualExists bool, saved map[string]string) (map[string]string, error) {
	name, manager := r.Attrs["name"], r.Attrs["manager"]
	if r.Attrs["state"] == "absent" {
		return nil, removePackage(name, manager)
	}
	out := host.CopyAttrs(saved)
	if !actualExists {
		out["installed"] = "true"
	}
	switch manager {
	case "apt":
		return out, aptInstall(name)
	case "dnf":
		_, err := host.RunCommand("", "dnf", "install", "-y", name)
		return out, err
	}
	return nil, fmt.Errorf("package %s: unknown manager %q", name, manager)
}

// aptInstall installs name, refreshing the package lists once when apt
// does not know the package yet.
func aptInstall(name string) error {
	install := func() error {
		cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", name)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return host.CommandError(cmd, err, string(out))
		}
		return nil
	}
	err := install()
	if err == nil {
		return nil
	}
	if _, uerr := host.RunCommand("", "apt-get", "update"); uerr != nil {
		return fmt.Errorf("%w (and apt-get update failed: %v)", err, uerr)
	}
	return install()
}

func removePackage(name, manager string) error {
	switch manager {
	case "apt":
		cmd := exec.Command("apt-get", "remove", "-y", name)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return host.CommandError(cmd, err, string(out))
		}
		return nil
	case "dnf":
		_, err := host.RunCommand("", "dnf", "remove", "-y", name)
		return err
	}
	return fmt.Errorf("package %s: unknown manager %q", name, manager)
}

func (k packageKind) Delete(r core.Resource, saved map[string]string) error {
	if r.Attrs["remove_on_delete"] != "true" || saved["installed"] != "true" || r.Attrs["state"] == "absent" {
		return nil
	}
	manager := r.Attrs["manager"]
	if manager == "" {
		manager = detectPackageManager()
	}
	name := r.Attrs["name"]
	if name == "" {
		name = r.Name
	}
	installed, err := k.installed(name, manager)
	if err != nil || !installed {
		return err
	}
	return removePackage(name, manager)
}

// Snapshot records, before a change, what Delete needs to undo it
// (host.Snapshotter).
func (k packageKind) Snapshot(r core.Resource, _ map[string]string) map[string]string {
	if r.Attrs["state"] == "absent" {
		return nil
	}
	if installed, err := k.installed(r.Attrs["name"], r.Attrs["manager"]); err == nil && !installed {
		return map[string]string{"installed": "true"}
	}
	return nil
}

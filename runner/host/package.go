package host

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// packageKind makes sure an OS package is installed. Packages are shared
// with everything else on the host, so Delete leaves them installed.
//
// Name: the package. Attributes:
//   - name: the package (default: the resource name)
//   - manager: "apt" or "dnf" (default: apt where dpkg-query exists,
//     else dnf where rpm exists)
type packageKind struct{}

func (packageKind) ReplaceOn() []string { return nil }

func (packageKind) Defaults(r Resource) Resource {
	setDefault(r.Attrs, "name", r.Name)
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

func (packageKind) Read(r Resource, _ map[string]string) (map[string]string, bool, error) {
	name := r.Attrs["name"]
	var installed bool
	switch r.Attrs["manager"] {
	case "apt":
		out, err := runCommand("", "dpkg-query", "-W", "-f=${Status}", name)
		installed = err == nil && strings.HasSuffix(strings.TrimSpace(out), " installed")
	case "dnf":
		_, err := runCommand("", "rpm", "-q", name)
		installed = err == nil
	default:
		return nil, false, fmt.Errorf("package %s: no known package manager (apt or dnf) on this host", name)
	}
	if !installed {
		return nil, false, nil
	}
	return map[string]string{"name": name, "manager": r.Attrs["manager"]}, true, nil
}

func (packageKind) Apply(r Resource, _ bool, _ map[string]string) (map[string]string, error) {
	name := r.Attrs["name"]
	switch r.Attrs["manager"] {
	case "apt":
		return nil, aptInstall(name)
	case "dnf":
		_, err := runCommand("", "dnf", "install", "-y", name)
		return nil, err
	}
	return nil, fmt.Errorf("package %s: unknown manager %q", name, r.Attrs["manager"])
}

// aptInstall installs name, refreshing the package lists once when apt
// does not know the package yet.
func aptInstall(name string) error {
	install := func() error {
		cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", name)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return commandError(cmd, err, string(out))
		}
		return nil
	}
	err := install()
	if err == nil {
		return nil
	}
	if _, uerr := runCommand("", "apt-get", "update"); uerr != nil {
		return fmt.Errorf("%w (and apt-get update failed: %v)", err, uerr)
	}
	return install()
}

func (packageKind) Delete(Resource, map[string]string) error { return nil }

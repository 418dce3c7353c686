package apps

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/probe"
)

// containerKind runs a container (kind "container", ID "container/NAME")
// through the driver of its runtime (containerRuntimes picks it from
// containerDrivers: LXC, podman). The
// container is started detached and set to start with the host, so it
// outlives the helper.
//
// Attributes that define the container (a change rebuilds it):
//   - runtime: "lxc" (default), "podman", ...: a change replaces the
//     container (deleted by the old runtime's driver first)
//   - template: LXC template ("busybox"), or rootfs: path of a rootfs
//     tarball on the host (for an image runtime: imported as image)
//   - image: the image an image runtime runs; archive: path of an image
//     archive on the host loaded when the image is missing (an image is
//     imported or loaded once per host, and removed with the last
//     container drover made from it)
//   - command: the first process ("" = the image's init)
//   - file:PATH: content of a file written into the rootfs
//   - net.N: interface ethN, "BRIDGE CIDR|dhcp [GATEWAY]", or (an image
//     runtime's container without a static address) "BRIDGE slice SLICE
//     SUBNET [GATEWAY]": the runtime addresses it from SLICE, the
//     server's own part of SUBNET (modules/container.Slice)
//   - nameserver: written to /etc/resolv.conf, "" = left alone
//   - memory: cgroup memory limit ("64M"), "" = none
//   - version: the definition's version, shown in plans and `show jobs`
//
// Attributes that only steer drover:
//   - running: "true" (default) or "false"
//   - check: the health gate, "tcp:PORT" or "http:PORT:PATH" on the
//     container's first address, "" = running is enough
//   - health_timeout: how long a new container may take to pass its
//     check (default "30s"); one that does not is removed, and on an
//     update the previous container is put back and Apply fails
//   - interval: wait before an update (the pause between two batches of a
//     rolling upgrade; set on the first instance of each later batch)
//   - job, instance: the job and instance the container belongs to
//     (outputs, for placement and `drover show jobs`)
//
// Outputs: job, instance, version, address (static, or the DHCP lease or
// slice address the container had when it was last applied).
type containerKind struct {
	driver containerDriver
}

// containerDriver is what a container runtime must do for the container
// kind. Names are the resource names; spec is the resource's attributes.
type containerDriver interface {
	// State says whether the container exists and runs, with the
	// attributes it was built with (nil when drover did not build it).
	State(name string) (exists, running bool, spec map[string]string, err error)
	// Build creates a stopped container called name from spec, to run as
	// instance (its host name; name differs while an upgrade builds it
	// aside).
	Build(name, instance string, spec map[string]string) error
	Start(name string) error
	Stop(name string) error
	Destroy(name string) error
	// Rename renames a stopped container.
	Rename(from, to string) error
	// Address is the container's first IPv4 address, "" when it has none
	// yet.
	Address(name string) (string, error)
	// Record replaces the attributes a container was built with (its
	// operational ones changed).
	Record(name string, spec map[string]string) error
}

func (containerKind) ReplaceOn() []string { return nil }

func (containerKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "running", "true")
	host.SetDefault(r.Attrs, "health_timeout", "30s")
	host.SetDefault(r.Attrs, "interval", "0s")
	return r
}

func (k containerKind) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	exists, running, spec, err := k.driver.State(r.Name)
	if err != nil || !exists {
		return nil, false, err
	}
	actual := map[string]string{}
	for key := range r.Attrs {
		actual[key] = spec[key]
	}
	for key, v := range spec {
		if isContainerDefinition(key) {
			actual[key] = v
		}
	}
	actual["running"] = strconv.FormatBool(running)
	return actual, true, nil
}

// isContainerDefinition reports whether a change of key rebuilds the
// container (the operational attributes only steer drover).
func isContainerDefinition(key string) bool {
	switch key {
	case "running", "check", "health_timeout", "interval", "job", "instance":
		return false
	case "runtime": // a new runtime replaces the container (containerRuntimes)
		return false
	}
	return true
}

// sameDefinition reports whether the built spec matches r's definition.
func sameDefinition(r core.Resource, spec map[string]string) bool {
	if spec == nil {
		return false
	}
	keys := map[string]bool{}
	for k := range r.Attrs {
		keys[k] = true
	}
	for k := range spec {
		keys[k] = true
	}
	for k := range keys {
		if isContainerDefinition(k) && r.Attrs[k] != spec[k] {
			return false
		}
	}
	return true
}

func (k containerKind) Apply(r core.Resource, actualExists bool, saved map[string]string) (map[string]string, error) {
	exists, running, spec, err := k.driver.State(r.Name)
	if err != nil {
		return nil, err
	}
	switch {
	case !exists:
		err = k.create(r)
	case sameDefinition(r, spec):
		err = k.adjust(r, running)
	default:
		err = k.upgrade(r, spec, running)
	}
	if err != nil {
		return nil, err
	}
	keep := map[string]string{"version": r.Attrs["version"]}
	if a := k.leasedAddress(r); a != "" {
		keep["address"] = a
	}
	return keep, nil
}

// leasedAddress is the address a running container without a static one
// took by DHCP, waited for up to its health timeout; "" when it has a
// static address, is stopped or got none.
func (k containerKind) leasedAddress(r core.Resource) string {
	if staticAddress(r.Attrs) != "" || r.Attrs["running"] == "false" || len(netKeys(r.Attrs)) == 0 {
		return ""
	}
	timeout, err := time.ParseDuration(r.Attrs["health_timeout"])
	if err != nil {
		timeout = 30 * time.Second
	}
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		if a, err := k.driver.Address(r.Name); err == nil && a != "" {
			return a
		}
		if time.Now().After(deadline) {
			return ""
		}
	}
}

// create builds and starts r; a container that fails its check is
// removed again.
func (k containerKind) create(r core.Resource) error {
	if err := k.driver.Build(r.Name, r.Name, r.Attrs); err != nil {
		k.driver.Destroy(r.Name)
		return err
	}
	if r.Attrs["running"] == "false" {
		return nil
	}
	if err := k.startHealthy(r); err != nil {
		k.driver.Stop(r.Name)
		k.driver.Destroy(r.Name)
		return err
	}
	return nil
}

// adjust brings a container built as r to r's run state and records r's
// operational attributes.
func (k containerKind) adjust(r core.Resource, running bool) error {
	if err := k.driver.Record(r.Name, r.Attrs); err != nil {
		return err
	}
	switch want := r.Attrs["running"] != "false"; {
	case want && !running:
		return k.startHealthy(r)
	case !want && running:
		return k.driver.Stop(r.Name)
	}
	return nil
}

// upgrade replaces the container by one built from r. The new one is
// built aside (NAME-next) while the old one still serves; then the old one
// stops and is kept as NAME-prev, the new one takes the name and starts,
// which leaves the address down for a moment only (interfaces keep their
// MAC addresses, so neighbours need not learn anything). A new one that
// does not pass its check is removed and the old one is put back.
func (k containerKind) upgrade(r core.Resource, old map[string]string, wasRunning bool) error {
	// The pause between rollout batches: the job module sets interval on
	// the first instance of each batch but the first.
	if d, err := time.ParseDuration(r.Attrs["interval"]); err == nil && d > 0 {
		time.Sleep(d)
	}
	next, prev := r.Name+"-next", r.Name+"-prev"
	k.driver.Destroy(next) // leftovers of an interrupted upgrade
	k.driver.Destroy(prev)
	if err := k.driver.Build(next, r.Name, r.Attrs); err != nil {
		k.driver.Destroy(next)
		return err
	}
	if err := k.swap(r.Name, next, prev); err != nil {
		k.driver.Destroy(next)
		k.restart(r.Name, wasRunning)
		return err
	}
	err := error(nil)
	if r.Attrs["running"] != "false" {
		err = k.startHealthy(r)
	}
	if err == nil {
		k.driver.Destroy(prev)
		return nil
	}
	k.driver.Destroy(r.Name)
	if rerr := k.driver.Rename(prev, r.Name); rerr != nil {
		return fmt.Errorf("%v; putting version %s back failed too: %v", err, old["version"], rerr)
	}
	k.restart(r.Name, wasRunning)
	return fmt.Errorf("version %s failed, rolled back to version %s: %w", r.Attrs["version"], old["version"], err)
}

// swap stops name, keeps it as prev and renames next to name.
func (k containerKind) swap(name, next, prev string) error {
	if err := k.driver.Stop(name); err != nil {
		return err
	}
	if err := k.driver.Rename(name, prev); err != nil {
		return err
	}
	if err := k.driver.Rename(next, name); err != nil {
		k.driver.Rename(prev, name)
		return err
	}
	return nil
}

func (k containerKind) restart(name string, running bool) {
	if running {
		k.driver.Start(name)
	}
}

// startHealthy starts r and waits for its check to pass.
func (k containerKind) startHealthy(r core.Resource) error {
	if err := k.driver.Start(r.Name); err != nil {
		return err
	}
	timeout, err := time.ParseDuration(r.Attrs["health_timeout"])
	if err != nil {
		timeout = 30 * time.Second
	}
	return k.waitHealthy(r, time.Now().Add(timeout))
}

func (k containerKind) waitHealthy(r core.Resource, deadline time.Time) error {
	check := r.Attrs["check"]
	last := "no check ran"
	for {
		ok, detail := k.CheckOnce(r.Name, check)
		if ok {
			return nil
		}
		last = detail
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s is not healthy after %s: %s", r.Name, r.Attrs["health_timeout"], last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// CheckOnce runs the container's check once: running, then the tcp or
// http check on its address.
func (k containerKind) CheckOnce(name, check string) (bool, string) {
	exists, running, _, err := k.driver.State(name)
	switch {
	case err != nil:
		return false, err.Error()
	case !exists || !running:
		return false, "the container is not running"
	case check == "":
		return true, "running"
	}
	addr, err := k.driver.Address(name)
	if err != nil || addr == "" {
		return false, fmt.Sprintf("the container has no address yet %v", err)
	}
	return containerCheck(addr, check, time.Second)
}

// containerCheck runs "tcp:PORT" or "http:PORT:PATH" against addr.
func containerCheck(addr, check string, timeout time.Duration) (bool, string) {
	parts := strings.SplitN(check, ":", 3)
	if len(parts) < 2 {
		return false, fmt.Sprintf("check %q is not tcp:PORT or http:PORT:PATH", check)
	}
	hostPort := net.JoinHostPort(addr, parts[1])
	switch parts[0] {
	case "tcp":
		return probe.DialTCP(hostPort, timeout)
	case "http":
		path := "/"
		if len(parts) == 3 && parts[2] != "" {
			path = parts[2]
		}
		return probe.HTTP(map[string]string{"url": "http://" + hostPort + path, "timeout_ms": strconv.Itoa(int(timeout.Milliseconds()))})
	}
	return false, fmt.Sprintf("check kind %q is not tcp or http", parts[0])
}

func (k containerKind) Delete(r core.Resource, saved map[string]string) error {
	var errs []error
	for _, name := range []string{r.Name, r.Name + "-next", r.Name + "-prev"} {
		if err := k.driver.Destroy(name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Outputs tell the controller which job instance runs here, at which
// version, so that placement keeps instances where they are.
func (containerKind) Outputs(r core.Resource, saved map[string]string) map[string]string {
	out := map[string]string{}
	for _, key := range []string{"job", "instance", "version"} {
		if v := r.Attrs[key]; v != "" {
			out[key] = v
		}
	}
	if a := staticAddress(r.Attrs); a != "" {
		out["address"] = a
	} else if a := saved["address"]; a != "" {
		out["address"] = a // leased by DHCP
	}
	return out
}

// staticAddress is the address of the first interface with a static one.
func staticAddress(attrs map[string]string) string {
	for _, key := range netKeys(attrs) {
		f := strings.Fields(attrs[key])
		if len(f) >= 2 && f[1] != "dhcp" && f[1] != "slice" {
			return strings.SplitN(f[1], "/", 2)[0]
		}
	}
	return ""
}

// netKeys are the net.N attributes in interface order.
func netKeys(attrs map[string]string) []string {
	var keys []string
	for k := range attrs {
		if strings.HasPrefix(k, "net.") {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(keys[i], "net."))
		b, _ := strconv.Atoi(strings.TrimPrefix(keys[j], "net."))
		return a < b
	})
	return keys
}

// containerSpecFile keeps the attributes a container was built with, next
// to its runtime config, so that Read needs no manifest.
const containerSpecFile = "drover.json"

func writeContainerSpec(dir string, attrs map[string]string) error {
	data, err := json.MarshalIndent(attrs, "", "  ")
	if err != nil {
		return err
	}
	return host.WriteFileAtomic(filepath.Join(dir, containerSpecFile), data, host.RootFile(0o600))
}

func readContainerSpec(dir string) map[string]string {
	data, err := host.ReadFile(filepath.Join(dir, containerSpecFile))
	if err != nil {
		return nil
	}
	return decodeSpec(data)
}

// decodeSpec reads the attributes a container was built with, as every
// driver records them (JSON); nil when they cannot be read.
func decodeSpec(data []byte) map[string]string {
	var spec map[string]string
	if json.Unmarshal(data, &spec) != nil {
		return nil
	}
	return spec
}

package apps

import (
	"fmt"
	"maps"
	"slices"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// containerDrivers are the container runtimes by name (the `runtime` of a
// container or job, modules/container.Runtimes): adding a runtime is one
// file with its driver and one entry here.
func containerDrivers() map[string]containerDriver {
	return map[string]containerDriver{
		"lxc":    newLXCDriver(),
		"podman": newPodmanDriver(),
		"docker": newDockerDriver(host.DefaultEnv()),
	}
}

// defaultRuntime runs containers whose resource names no runtime (all of
// them before runtimes existed).
const defaultRuntime = "lxc"

// containerRuntimes is the container kind (ID "container/NAME"): each
// resource goes to the driver of its `runtime` attribute (default "lxc"),
// and the container logic (containerKind: build aside, health gate,
// rollback) is the same for every runtime. A container whose runtime
// changes is replaced: deleted by its old driver, created by the new one.
type containerRuntimes struct {
	drivers map[string]containerDriver
}

func newContainerRuntimes() containerRuntimes { return containerRuntimes{drivers: containerDrivers()} }

// runtimeOf is the runtime a container resource's attributes name.
func runtimeOf(attrs map[string]string) string {
	if rt := attrs["runtime"]; rt != "" {
		return rt
	}
	return defaultRuntime
}

// kind is the container kind on runtime rt's driver.
func (k containerRuntimes) kind(rt string) (containerKind, error) {
	d, ok := k.drivers[rt]
	if !ok {
		return containerKind{}, fmt.Errorf("container runtime %q is not supported by this helper (it knows %v)", rt, slices.Sorted(maps.Keys(k.drivers)))
	}
	return containerKind{driver: d}, nil
}

func (containerRuntimes) ReplaceOn() []string { return []string{"runtime"} }

func (containerRuntimes) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "runtime", defaultRuntime)
	return containerKind{}.Defaults(r)
}

// Read reads the container from its runtime; one that another runtime
// runs under the same name reads as that runtime (and is replaced).
func (k containerRuntimes) Read(r core.Resource, saved map[string]string) (map[string]string, bool, error) {
	rt := runtimeOf(r.Attrs)
	kind, err := k.kind(rt)
	if err != nil {
		return nil, false, err
	}
	actual, exists, err := kind.Read(r, saved)
	if err != nil || exists {
		if actual != nil {
			actual["runtime"] = rt
		}
		return actual, exists, err
	}
	for _, other := range slices.Sorted(maps.Keys(k.drivers)) {
		if other == rt {
			continue
		}
		if found, _, _, err := k.drivers[other].State(r.Name); err == nil && found {
			return map[string]string{"runtime": other}, true, nil
		}
	}
	return nil, false, nil
}

func (k containerRuntimes) Apply(r core.Resource, actualExists bool, saved map[string]string) (map[string]string, error) {
	kind, err := k.kind(runtimeOf(r.Attrs))
	if err != nil {
		return nil, err
	}
	return kind.Apply(r, actualExists, saved)
}

func (k containerRuntimes) Delete(r core.Resource, saved map[string]string) error {
	kind, err := k.kind(runtimeOf(r.Attrs))
	if err != nil {
		return err
	}
	return kind.Delete(r, saved)
}

func (k containerRuntimes) Outputs(r core.Resource, saved map[string]string) map[string]string {
	return containerKind{}.Outputs(r, saved)
}

// CheckOnce runs a container's health check once through its runtime.
func (k containerRuntimes) CheckOnce(runtime, name, check string) (bool, string) {
	if runtime == "" {
		runtime = defaultRuntime
	}
	kind, err := k.kind(runtime)
	if err != nil {
		return false, err.Error()
	}
	return kind.CheckOnce(name, check)
}

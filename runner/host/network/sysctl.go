package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// sysctlKind sets kernel parameters through /proc/sys, remembering the
// value it found so that Delete can restore it.
//
// Name: the key, "net.ipv4.ip_forward". Attributes:
//   - key: the key (default: the resource name)
//   - value: the desired value; several fields are compared with single
//     spaces between them ("32768 60999")
//
// Saved: "previous", the value before drover's first apply.
//
// In a namespace lab host (`drover lab up`; the lab writes labMarker into
// the host's private /run) the kernel is the machine's: only the keys of
// the host's own namespaces are its own (perNamespaceSysctl), and /proc/sys
// is read-only for the rest. There, a key that is not per namespace is
// refused when it is read, that is at plan time, with an error naming the
// key and the VM tier (`drover lab up -vm`), whose hosts have kernels of
// their own.
type sysctlKind struct {
	procDir string
	// labMarker is the file whose presence says the host is a namespace
	// lab host ("" never is).
	labMarker string
}

// LabMarker is the file a namespace lab host has (lab writes
// it when the host starts).
const LabMarker = "/run/drover-lab"

// perNamespaceSysctls are the keys, and the prefixes ending in ".", that
// belong to a namespace of their own in a lab host: the network
// namespace's net.*, the UTS namespace's names and the IPC namespace's
// limits. the lab (package lab) leaves exactly these writable.
var perNamespaceSysctls = []string{
	"net.", "kernel.hostname", "kernel.domainname",
	"kernel.shmmax", "kernel.shmall", "kernel.shmmni", "kernel.shm_rmid_forced",
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "fs.mqueue.",
}

// PerNamespaceSysctl reports whether key belongs to a namespace of a lab
// host (perNamespaceSysctls).
func PerNamespaceSysctl(key string) bool {
	for _, k := range perNamespaceSysctls {
		if key == k || (strings.HasSuffix(k, ".") && strings.HasPrefix(key, k)) {
			return true
		}
	}
	return false
}

// checkLab refuses a key that is not per namespace in a namespace lab host.
func (k sysctlKind) checkLab(key string) error {
	if k.labMarker == "" || PerNamespaceSysctl(key) {
		return nil
	}
	if _, err := os.Stat(k.labMarker); err != nil {
		return nil
	}
	return fmt.Errorf("sysctl %s is not per namespace: this is a namespace lab host (%s), which shares the machine's kernel, "+
		"so the key is read-only here; only net.*, the UTS names and the IPC limits are the host's own. "+
		"Test %s on the VM tier (drover lab up -vm), whose hosts run kernels of their own", key, k.labMarker, key)
}

func (sysctlKind) ReplaceOn() []string { return []string{"key"} }

func (sysctlKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "key", r.Name)
	r.Attrs["value"] = normalizeSysctl(r.Attrs["value"])
	return r
}

func (k sysctlKind) path(key string) string {
	return filepath.Join(k.procDir, strings.ReplaceAll(key, ".", "/"))
}

func (k sysctlKind) read(key string) (string, bool, error) {
	if err := checkSysctlKey(key); err != nil {
		return "", false, err
	}
	if err := k.checkLab(key); err != nil {
		return "", false, err
	}
	data, err := os.ReadFile(k.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("sysctl %s: %w", key, err)
	}
	return normalizeSysctl(string(data)), true, nil
}

func (k sysctlKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	value, exists, err := k.read(r.Attrs["key"])
	if err != nil || !exists {
		return nil, false, err
	}
	return map[string]string{"key": r.Attrs["key"], "value": value}, true, nil
}

func (k sysctlKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
	key := r.Attrs["key"]
	current, exists, err := k.read(key)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("sysctl %s does not exist on this kernel (%s)", key, k.path(key))
	}
	previous, ok := saved["previous"]
	if !ok {
		previous = current
	}
	if err := k.write(key, r.Attrs["value"]); err != nil {
		return nil, err
	}
	return map[string]string{"previous": previous}, nil
}

func (k sysctlKind) write(key, value string) error {
	if err := k.checkLab(key); err != nil {
		return err
	}
	if err := checkSysctlKey(key); err != nil {
		return err
	}
	// /proc/sys takes no rename: the entry is opened (never through a
	// link) and written in place.
	f, err := safefs.OpenFile(k.path(key), unix.O_WRONLY|unix.O_TRUNC, 0)
	if err == nil {
		_, err = f.Write([]byte(value + "\n"))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", key, value, err)
	}
	return nil
}

func (k sysctlKind) Delete(r core.Resource, saved map[string]string) error {
	previous, ok := saved["previous"]
	if !ok {
		return nil
	}
	key := r.Attrs["key"]
	if key == "" {
		key = r.Name
	}
	if _, exists, err := k.read(key); err != nil || !exists {
		return err
	}
	return k.write(key, previous)
}

func normalizeSysctl(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// Snapshot records, before a change, what Delete needs to undo it
// (host.Snapshotter).
func (k sysctlKind) Snapshot(r core.Resource, _ map[string]string) map[string]string {
	if current, exists, err := k.read(r.Attrs["key"]); err == nil && exists {
		return map[string]string{"previous": current}
	}
	return nil
}

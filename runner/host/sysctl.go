package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
type sysctlKind struct {
	procDir string
}

func (sysctlKind) ReplaceOn() []string { return []string{"key"} }

func (sysctlKind) Defaults(r Resource) Resource {
	setDefault(r.Attrs, "key", r.Name)
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
	data, err := os.ReadFile(k.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("sysctl %s: %w", key, err)
	}
	return normalizeSysctl(string(data)), true, nil
}

func (k sysctlKind) Read(r Resource, _ map[string]string) (map[string]string, bool, error) {
	value, exists, err := k.read(r.Attrs["key"])
	if err != nil || !exists {
		return nil, false, err
	}
	return map[string]string{"key": r.Attrs["key"], "value": value}, true, nil
}

func (k sysctlKind) Apply(r Resource, _ bool, saved map[string]string) (map[string]string, error) {
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
	if err := os.WriteFile(k.path(key), []byte(value+"\n"), 0o644); err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", key, value, err)
	}
	return nil
}

func (k sysctlKind) Delete(r Resource, saved map[string]string) error {
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

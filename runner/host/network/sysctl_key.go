package network

import (
	"fmt"
	"regexp"
	"strings"
)

// sysctlKeyPattern is what a sysctl key may be: dot-separated names of
// letters, digits, '_', '-' and '/' (sysctl's spelling of a dot inside a
// name, as in net.ipv4.conf.eth0/100.rp_filter). The key becomes a path
// under /proc/sys, so nothing else may pass, whatever lang let through.
var sysctlKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_/-]+)*$`)

// checkSysctlKey refuses a key that could name anything but one entry of
// /proc/sys.
func checkSysctlKey(key string) error {
	if !sysctlKeyPattern.MatchString(key) || strings.Contains(key, "//") || strings.HasSuffix(key, "/") {
		return fmt.Errorf("sysctl key %q is not a sysctl name (such as net.ipv4.ip_forward)", key)
	}
	for _, part := range strings.FieldsFunc(key, func(r rune) bool { return r == '.' || r == '/' }) {
		if part == ".." || part == "." {
			return fmt.Errorf("sysctl key %q is not a sysctl name (such as net.ipv4.ip_forward)", key)
		}
	}
	return nil
}

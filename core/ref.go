package core

import (
	"fmt"
	"strings"
)

// Ref is a reference to another host's resource output, as written in
// Resource.Refs: "HOST:KIND/NAME#OUTPUT".
type Ref struct {
	Host, ID, Output string
}

// RefTo writes the reference to output of the resource id on host.
func RefTo(host, id, output string) string { return host + ":" + id + "#" + output }

// ParseRef reads a reference written by RefTo.
func ParseRef(s string) (Ref, error) {
	hostName, rest, ok1 := strings.Cut(s, ":")
	id, output, ok2 := strings.Cut(rest, "#")
	if !ok1 || !ok2 || hostName == "" || id == "" || output == "" {
		return Ref{}, fmt.Errorf("reference %q is not HOST:KIND/NAME#OUTPUT", s)
	}
	return Ref{Host: hostName, ID: id, Output: output}, nil
}

// Output looks the value a reference names up in the producing host's
// facts; false when that host has not made it (yet).
func (r Ref) Lookup(f *Facts) (string, bool) {
	if f == nil {
		return "", false
	}
	v, ok := f.Outputs[r.ID][r.Output]
	return v, ok && v != ""
}

package host

import "strings"

// SetDefault sets attrs[key] to value when it is empty or missing.
func SetDefault(attrs map[string]string, key, value string) {
	if attrs[key] == "" {
		attrs[key] = value
	}
}

// CopyAttrs returns a copy of m (never nil).
func CopyAttrs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// KeepKeys returns the entries of actual whose keys occur in want.
func KeepKeys(actual, want map[string]string) map[string]string {
	out := make(map[string]string, len(want))
	for k, v := range actual {
		if _, ok := want[k]; ok {
			out[k] = v
		}
	}
	return out
}

// SplitList splits a comma-separated attribute, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

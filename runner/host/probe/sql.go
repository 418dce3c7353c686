package probe

// SQLIdentifier reports whether s is a plain SQL name (letters, digits and
// underscores, not starting with a digit, at most 63 bytes): what the sql
// kind and the login check put into statements and client arguments.
func SQLIdentifier(s string) bool {
	if s == "" || len(s) > 63 || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

package lang

import (
	"strings"

	"github.com/agext/levenshtein"
)

// suggest returns the candidate closest to given when it is close enough
// to be a likely typo, else "".
func suggest(given string, candidates []string) string {
	best, bestDist := "", 3 // like hcl's own suggestions: fewer than 3 edits
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// suggestIdentifier turns a name into a valid HCL identifier by replacing
// every other character with '_' (and prefixing "n" to a leading digit).
func suggestIdentifier(name string) string {
	var b strings.Builder
	for i, r := range name {
		switch {
		case r == '_' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'):
			b.WriteRune(r)
		case '0' <= r && r <= '9':
			if i == 0 {
				b.WriteByte('n')
			}
			b.WriteRune(r)
		default:
			if i == 0 {
				b.WriteByte('n')
			} else {
				b.WriteByte('_')
			}
		}
	}
	if b.Len() == 0 {
		return "name"
	}
	return b.String()
}

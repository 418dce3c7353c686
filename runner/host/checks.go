package host

import (
	"fmt"
	"sort"
	"strings"

	"github.com/drover/drover/core"
)

// Checker runs one check on this host and says whether it passed, with a
// detail for the operator. kinds and m are there for the checks that ask
// a kind about what it made (a service's process, a container's health):
// they find the kind in kinds and use a narrow interface it implements.
type Checker func(kinds Kinds, m *Manifest, c core.Check) (ok bool, detail string)

// Checks is the set of check kinds a helper knows, by name (package checks
// assembles them); like Kinds, the engine knows no concrete check.
type Checks map[string]Checker

// RunChecks runs each check and returns its result, in order. Service
// checks look the service up in m (for its command and pidfile).
func RunChecks(kinds Kinds, checks Checks, m *Manifest, cs []core.Check) []core.CheckResult {
	results := make([]core.CheckResult, 0, len(cs))
	for _, c := range cs {
		ok, detail := runCheck(kinds, checks, m, c)
		results = append(results, core.CheckResult{Check: c, OK: ok, Detail: detail})
	}
	return results
}

func runCheck(kinds Kinds, checks Checks, m *Manifest, c core.Check) (bool, string) {
	run, ok := checks[c.Kind]
	if !ok {
		return false, fmt.Sprintf("unknown check kind %q (known: %s)", c.Kind, strings.Join(checks.names(), ", "))
	}
	return run(kinds, m, c)
}

func (cs Checks) names() []string {
	names := make([]string, 0, len(cs))
	for n := range cs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

package host

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/drover/drover/core"
	"github.com/vishvananda/netns"
)

// Checker runs one check on this host and says whether it passed, with a
// detail for the operator. kinds and m are there for the checks that ask
// a kind about what it made (a service's process, a container's health):
// they find the kind in kinds and use a narrow interface it implements.
type Checker func(kinds Kinds, m *Manifest, c core.Check) (ok bool, detail string)

// Checks is the set of check kinds a helper knows, by name (package checks
// assembles them); like Kinds, the engine knows no concrete check.
type Checks map[string]Checker

// MaxParallelChecks bounds how many of one host's checks run at once: a
// host's probes run concurrently (30 pings of a VXLAN mesh take as long as
// the slowest, not their sum), but a large host does not start hundreds of
// processes at once. Checks that must not overlap serialize themselves
// (package checks).
const MaxParallelChecks = 8

// RunChecks runs the checks, at most MaxParallelChecks at a time, and
// returns each one's result in the order of cs. Service checks look the
// service up in m (for its command and pidfile).
func RunChecks(kinds Kinds, checks Checks, m *Manifest, cs []core.Check) []core.CheckResult {
	results := make([]core.CheckResult, len(cs))
	enter := callersNetns()
	defer enter.close()
	slots := make(chan struct{}, MaxParallelChecks)
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			enter.here()
			ok, detail := runCheck(kinds, checks, m, c)
			results[i] = core.CheckResult{Check: c, OK: ok, Detail: detail}
		}()
	}
	wg.Wait()
	return results
}

// threadNetns carries the caller's network namespace to the goroutines
// that run its checks: a check probes from where its caller stands, even
// when the calling thread is in another namespace than the rest of the
// process (a test that entered a throwaway namespace). The helper's
// threads all share the host's namespace, so there it only compares.
type threadNetns struct{ ns netns.NsHandle }

func callersNetns() threadNetns {
	here, err := netns.Get()
	if err != nil {
		return threadNetns{ns: -1}
	}
	return threadNetns{ns: here}
}

// here moves the calling goroutine's thread into the namespace when it is
// elsewhere, for good: the thread stays locked, so Go discards it when the
// goroutine ends.
func (t threadNetns) here() {
	if t.ns == -1 {
		return
	}
	cur, err := netns.Get()
	if err == nil {
		defer cur.Close()
		if cur.Equal(t.ns) {
			return
		}
	}
	runtime.LockOSThread()
	_ = netns.Set(t.ns)
}

func (t threadNetns) close() {
	if t.ns != -1 {
		t.ns.Close()
	}
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

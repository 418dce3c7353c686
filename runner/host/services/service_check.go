package services

import (
	"fmt"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
)

// CheckService proves that drover's service name runs and is not stopped
// by a signal; m holds its command and pidfile (the "service" check).
func (k serviceKind) CheckService(m *host.Manifest, name string) (bool, string) {
	r := core.Resource{Kind: "service", Name: name, Attrs: map[string]string{}}
	e, found := m.Find(r.ID())
	if found {
		r = e.Resource
	}
	st, err := k.backend.status(r, e.Saved)
	how := ""
	if d, ok := k.backend.(interface{ describe(core.Resource) string }); ok && st.exists {
		how = "; " + d.describe(r) // service_systemd.go
	}
	switch {
	case err != nil:
		return false, err.Error()
	case st.running && stopped(st.pid):
		return false, fmt.Sprintf("service %s (PID %d) is stopped by a signal (SIGSTOP or a debugger): it runs but serves nothing%s", name, st.pid, how)
	case st.running:
		return true, fmt.Sprintf("service %s is running (PID %d)%s", name, st.pid, how)
	case !found:
		return false, fmt.Sprintf("service %s is not running (drover never started it here)%s", name, how)
	}
	return false, fmt.Sprintf("service %s is not running%s", name, how)
}

// stopped reports whether process pid is stopped (state T or t: SIGSTOP,
// a job-control stop or a tracer): alive, but serving nothing.
func stopped(pid int) bool {
	st, ok := readProcStat(pid)
	return ok && (st.state == 'T' || st.state == 't')
}

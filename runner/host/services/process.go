package services

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/drover/drover/runner/host"
)

// processIdentity names one process for the life of the machine: its PID
// and its start time (clock ticks after boot; a reused PID has another).
// drover records it for every daemon it starts (RUNDIR/NAME.id), so that
// it finds, reloads and stops exactly that process whatever its command
// line says now (a wrapper that exec'd its daemon, a daemon that renamed
// itself, a service whose declared command changed since). PGID is the
// process group the daemon leads: stop signals the whole group, so its
// children go with it.
type processIdentity struct {
	PID   int
	Start uint64
	PGID  int
}

// procStat is what drover reads of /proc/PID/stat.
type procStat struct {
	state byte
	pgrp  int
	start uint64
}

func readProcStat(pid int) (procStat, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, false
	}
	// The fields after the command name, which is in parentheses and may
	// itself hold spaces and parentheses: state is field 3, pgrp 5,
	// starttime 22.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return procStat{}, false
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 20 {
		return procStat{}, false
	}
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil {
		return procStat{}, false
	}
	return procStat{state: f[0][0], pgrp: pgrp, start: start}, true
}

// identify returns the identity of the live process pid.
func identify(pid int) (processIdentity, bool) {
	st, ok := readProcStat(pid)
	if !ok || st.state == 'Z' || st.state == 'X' {
		return processIdentity{}, false
	}
	return processIdentity{PID: pid, Start: st.start, PGID: st.pgrp}, true
}

// alive reports whether the process id names still runs.
func (id processIdentity) alive() bool {
	now, ok := identify(id.PID)
	return ok && now.Start == id.Start
}

func (id processIdentity) String() string {
	return fmt.Sprintf("pid=%d start=%d pgid=%d\n", id.PID, id.Start, id.PGID)
}

func parseIdentity(text string) (processIdentity, bool) {
	var id processIdentity
	if _, err := fmt.Sscanf(strings.TrimSpace(text), "pid=%d start=%d pgid=%d", &id.PID, &id.Start, &id.PGID); err != nil || id.PID <= 0 {
		return processIdentity{}, false
	}
	return id, true
}

func readIdentity(path string) (processIdentity, bool) {
	data, err := host.ReadFile(path)
	if err != nil {
		return processIdentity{}, false
	}
	return parseIdentity(string(data))
}

// stopProcess ends the process id and its process group: SIGTERM to both,
// SIGKILL to whatever is left after timeout.
func stopProcess(id processIdentity, timeout time.Duration) error {
	group := safeGroup(id.PGID)
	signalAll(id, group, syscall.SIGTERM)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !id.alive() && !groupAlive(group) {
			return nil
		}
		time.Sleep(host.PollInterval)
	}
	signalAll(id, group, syscall.SIGKILL)
	deadline = time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if !id.alive() && !groupAlive(group) {
			return nil
		}
		time.Sleep(host.PollInterval)
	}
	return fmt.Errorf("PID %d (process group %d) survived SIGKILL", id.PID, group)
}

// safeGroup is pgid when signalling that group cannot hit drover itself or
// init, else 0 (signal the process alone).
func safeGroup(pgid int) int {
	if pgid <= 1 || pgid == syscall.Getpgrp() {
		return 0
	}
	return pgid
}

func signalAll(id processIdentity, group int, sig syscall.Signal) {
	if group > 0 {
		syscall.Kill(-group, sig)
	}
	if id.alive() {
		syscall.Kill(id.PID, sig)
	}
}

// groupAlive reports whether a live (not zombie) process is left in
// group (0: none tracked). Zombies do not count: nobody may reap them
// soon where init does not (a lab host), and they hold nothing.
func groupAlive(group int) bool {
	if group <= 0 {
		return false
	}
	if err := syscall.Kill(-group, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readProcStat(pid); ok && st.pgrp == group && st.state != 'Z' && st.state != 'X' {
			return true
		}
	}
	return false
}

package services

import (
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host/safefs"
)

// A daemon reads its config files when it starts or reloads. drover records
// when it last did either ("loaded_at" in the service's saved data), and a
// config file changed after that (by a person, or by drover repairing that
// person's edit) means the running daemon may not run what its file says:
// the service reads as drifted, and the apply that repairs the file
// reloads or restarts the daemon after it, exactly as a declared change
// would. The config files are those the service comes after (Resource.After)
// on its own host: the files, templates and lines its declaration watches.

// staleNote is added to the restart_key a stale daemon reads back with, so
// that the plan says why it reloads.
const staleNote = " (a config file changed after the daemon loaded it)"

// configPaths lists the paths of the file-like resources r comes after on
// its own host.
func configPaths(r core.Resource) []string {
	var paths []string
	for _, id := range r.After {
		kind, name, ok := strings.Cut(id, "/")
		if !ok || strings.Contains(kind, ":") {
			continue // malformed, or on another host
		}
		switch kind {
		case "file", "rendered":
			paths = append(paths, name)
		case "line":
			path, _, _ := strings.Cut(name, "#")
			paths = append(paths, path)
		}
	}
	return paths
}

// configStale reports whether a config file of r changed after the daemon
// last loaded its configuration (saved "loaded_at", nanoseconds).
func configStale(r core.Resource, saved map[string]string) bool {
	loaded, err := strconv.ParseInt(saved["loaded_at"], 10, 64)
	if err != nil {
		return false // never recorded: an older helper started it
	}
	for _, p := range configPaths(r) {
		st, err := safefs.Lstat(p)
		if err == nil && st.Ctim.Nano() > loaded {
			return true
		}
	}
	return false
}

// loadedNow is the "loaded_at" to record right after a start or reload.
func loadedNow() string { return strconv.FormatInt(time.Now().UnixNano(), 10) }

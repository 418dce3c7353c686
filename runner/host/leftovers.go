package host

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// Once a host's manifest is empty (after a destroy, or when nothing is
// declared for it any more), drover leaves nothing of its own there but
// the helper and its empty manifest: the files its daemons kept in the
// state directory (dnsmasq's lease databases) and the directories drover
// made for its configs, pidfiles, logs and namespaces go, when empty.

// Leftovers removes what drover's daemons and kinds left beside the
// resources it tracks: stateDir's *.leases, then each of drover's own
// directories that is empty.
func (e Env) Leftovers(stateDir string) error {
	leases, _ := filepath.Glob(filepath.Join(stateDir, "*.leases"))
	for _, p := range leases {
		if err := safefs.Remove(p); err != nil {
			return err
		}
	}
	unmountIfEmpty("/run/netns")
	for _, dir := range []string{filepath.Join(stateDir, "lxc"), filepath.Join(stateDir, "docker"), e.RunDir, e.LogDir, "/etc/drover", "/run/netns"} {
		if dir == "" {
			continue
		}
		err := safefs.Remove(dir)
		if err != nil && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.EBUSY) {
			return err
		}
	}
	return nil
}

// unmountIfEmpty takes away the bind mount `ip netns` puts on its
// directory, once no namespace is named there.
func unmountIfEmpty(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) > 0 {
		return
	}
	unix.Unmount(dir, unix.MNT_DETACH)
}

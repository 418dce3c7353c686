package helper

import (
	"fmt"
	"os"
	"strings"

	"github.com/drover/drover/runner/host"
)

// LinkKindsFile keeps, in the state folder, the link kinds the kernel
// could create when last probed, with the boot and the module index they
// were probed against. Probing makes a network namespace and ten links
// (host.ProbeLinkKinds): on a fleet's no-op run that is most of what
// gathering facts costs a server (and its kernel the namespace's
// teardown), for an answer that only changes with a reboot or a newly
// installed module.
const LinkKindsFile = "linkkinds.json"

// linkKindsCache is LinkKindsFile's content.
type linkKindsCache struct {
	// Key is the boot ID and the kernel's module index (modules.dep)
	// modification time: a reboot or a module installed since makes it
	// stale.
	Key   string   `json:"key"`
	Kinds []string `json:"kinds"`
}

// linkKinds returns the kernel's link kinds: the session's own, the
// state folder's for this boot and module index, or a fresh probe (then
// kept there; a failure to keep it costs the next run a probe, nothing
// else).
func (s *session) linkKinds() []string {
	if s.probed != nil {
		return s.probed
	}
	key := linkKindsKey()
	var c linkKindsCache
	if ok, err := readJSON(s.stateDir, LinkKindsFile, &c); ok && err == nil && key != "" && c.Key == key && c.Kinds != nil {
		s.probed = c.Kinds
		return s.probed
	}
	s.probed = host.ProbeLinkKinds()
	if key != "" {
		_ = writeJSON(s.stateDir, LinkKindsFile, linkKindsCache{Key: key, Kinds: s.probed})
	}
	return s.probed
}

// linkKindsKey identifies this boot and module index; "" when either
// cannot be read (then nothing is kept).
func linkKindsKey() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	release := host.KernelRelease()
	if release == "" {
		return ""
	}
	modules := "none"
	if st, err := os.Stat("/lib/modules/" + release + "/modules.dep"); err == nil {
		modules = fmt.Sprint(st.ModTime().UnixNano())
	}
	return strings.TrimSpace(string(boot)) + " " + release + " " + modules
}

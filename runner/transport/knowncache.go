package transport

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// KnownHostsCache shares parsed known_hosts files between the connections
// of one run. Without it every connection reads and parses the files on
// its own: a fleet's known_hosts has a line per server, so N connections
// cost N² line parses and hold N copies of the file (at 1,000 servers,
// about a second of CPU and hundreds of MB). An entry is keyed by the
// files' paths, sizes and modification times, so a file that changed
// (trust on first use appends to it) is read again.
type KnownHostsCache struct {
	mu      sync.Mutex
	entries map[string]*knownEntry
}

// knownEntry is one parse of a set of known_hosts files.
type knownEntry struct {
	files []string            // the files that exist, in order
	cb    ssh.HostKeyCallback // nil when none exists
	certs bool                // some file has a @cert-authority line
}

// load returns the parse of paths (missing files skipped), from the cache
// when the files have not changed. A nil cache parses every time.
func (c *KnownHostsCache) load(paths []string) (*knownEntry, error) {
	var key strings.Builder
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, fmt.Errorf("reading known_hosts: %w", err)
		}
		files = append(files, p)
		fmt.Fprintf(&key, "%s\x00%d\x00%d\x00", p, st.Size(), st.ModTime().UnixNano())
	}
	if c == nil {
		return parseKnown(files)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key.String()]; ok {
		return e, nil
	}
	e, err := parseKnown(files)
	if err != nil {
		return nil, err
	}
	if c.entries == nil {
		c.entries = map[string]*knownEntry{}
	}
	c.entries[key.String()] = e
	return e, nil
}

// parseKnown reads and parses known_hosts files.
func parseKnown(files []string) (*knownEntry, error) {
	e := &knownEntry{files: files}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading known_hosts: %w", err)
		}
		e.certs = e.certs || hasCertAuthority(data)
	}
	if len(files) == 0 {
		return e, nil
	}
	cb, err := knownhosts.New(files...)
	if err != nil {
		return nil, fmt.Errorf("reading known_hosts: %w", err)
	}
	e.cb = cb
	return e, nil
}

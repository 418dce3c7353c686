package transport

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"

	"github.com/drover/drover/third_party/xcrypto/ssh"
	"github.com/drover/drover/third_party/xcrypto/ssh/knownhosts"
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
	// byHost holds every line by the host and port it names, in file
	// and line order, when every line names its hosts literally (no
	// marker, hashed host, wildcard or negation); nil otherwise.
	// knownhosts scans every line for each check, which for a fleet's
	// known_hosts (a line per server) made connecting N servers cost N²
	// pattern matches: about 18 s of CPU at 10,000 servers.
	byHost map[knownAddr][]knownhosts.KnownKey
}

// knownAddr is a host and port as a known_hosts pattern names them.
type knownAddr struct{ host, port string }

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
	contents := make([][]byte, len(files))
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading known_hosts: %w", err)
		}
		e.certs = e.certs || hasCertAuthority(data)
		contents[i] = data
	}
	if len(files) == 0 {
		return e, nil
	}
	cb, err := knownhosts.New(files...)
	if err != nil {
		return nil, fmt.Errorf("reading known_hosts: %w", err)
	}
	e.cb = cb
	e.byHost = indexLiteral(files, contents)
	return e, nil
}

// callback is the host key callback of the entry: by the index when
// there is one, knownhosts' otherwise.
func (e *knownEntry) callback() ssh.HostKeyCallback {
	if e.byHost == nil {
		return e.cb
	}
	return e.check
}

// check is knownhosts' check of a plain key, by the index: the lines
// naming the host (the address, else the remote address) in order, the
// answer nil at the first with the key, else a KeyError wanting them all.
// Certificates (which only @cert-authority lines verify) and addresses it
// cannot split go to knownhosts.
func (e *knownEntry) check(address string, remote net.Addr, key ssh.PublicKey) error {
	if _, cert := key.(*ssh.Certificate); cert || remote == nil {
		return e.cb(address, remote, key)
	}
	target := address
	if target == "" {
		target = remote.String()
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return e.cb(address, remote, key)
	}
	keyErr := &knownhosts.KeyError{}
	blob := key.Marshal()
	for _, k := range e.byHost[knownAddr{host, port}] {
		keyErr.Want = append(keyErr.Want, k)
		if bytes.Equal(k.Key.Marshal(), blob) {
			return nil
		}
	}
	return keyErr
}

// indexLiteral indexes the lines of the files (their contents) by the
// hosts they name, as knownhosts reads them; nil when a line has a
// marker or a pattern that is not a literal host.
func indexLiteral(files []string, contents [][]byte) map[knownAddr][]knownhosts.KnownKey {
	index := map[knownAddr][]knownhosts.KnownKey{}
	for i, data := range contents {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := bytes.Trim(sc.Bytes(), " \t")
			if len(line) == 0 || line[0] == '#' {
				continue
			}
			patterns, key, ok := literalLine(line)
			if !ok {
				return nil
			}
			known := knownhosts.KnownKey{Key: key, Filename: files[i], Line: n}
			for _, a := range patterns {
				// A line naming a host twice is one line that matches.
				if have := index[a]; len(have) == 0 || have[len(have)-1].Filename != known.Filename || have[len(have)-1].Line != n {
					index[a] = append(have, known)
				}
			}
		}
		if sc.Err() != nil {
			return nil
		}
	}
	return index
}

// literalLine parses a known_hosts line naming its hosts literally: the
// hosts as knownhosts matches them (a pattern without a port is port
// 22) and the key; ok is false for any other line.
func literalLine(line []byte) (hosts []knownAddr, key ssh.PublicKey, ok bool) {
	pattern, rest := nextWord(line)
	keyType, rest := nextWord(rest)
	keyBlob, _ := nextWord(rest)
	if pattern == "" || strings.ContainsAny(pattern, "@|*?!") {
		return nil, nil, false
	}
	blob, err := base64.StdEncoding.DecodeString(keyBlob)
	if err != nil {
		return nil, nil, false
	}
	if key, err = ssh.ParsePublicKey(blob); err != nil || key.Type() != keyType {
		return nil, nil, false
	}
	for _, p := range strings.Split(pattern, ",") {
		if p == "" {
			continue
		}
		host, port, err := net.SplitHostPort(p)
		switch {
		case err != nil && p[0] == '[':
			return nil, nil, false
		case err != nil:
			host, port = p, "22"
		}
		hosts = append(hosts, knownAddr{host, port})
	}
	return hosts, key, true
}

// nextWord splits the first word off line as knownhosts does.
func nextWord(line []byte) (string, []byte) {
	i := bytes.IndexAny(line, "\t ")
	if i == -1 {
		return string(line), nil
	}
	return string(line[:i]), bytes.Trim(line[i:], " \t")
}

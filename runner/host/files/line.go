package files

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"golang.org/x/sys/unix"
)

// lineKind keeps one line of a text file present or absent, leaving the
// rest of the file alone (Ansible's lineinfile). Reading it is one file
// read; nothing is spawned.
//
// Name: any stable key, by convention "PATH#KEY" ("/etc/hosts#s1").
// Attributes:
//   - path: the absolute path of the file (required)
//   - line: the whole line wanted, without newline (state present)
//   - regexp: optional RE2 selecting the line to manage: with state
//     present the last matching line is replaced by line (else line is
//     added); with state absent every matching line is removed. Without
//     it the line is matched exactly.
//   - state: "present" (default) or "absent"
//   - insert_after: optional RE2; a new line goes after the last line
//     matching it (default: at the end of the file). Not compared.
//   - create: "true" (default) creates a missing file (mode 0644,
//     root:root); "false" makes a missing file an error. Not compared.
//
// Read back: path, line (the line that is there now: the regexp's last
// match, or the line itself) and, for state absent, state ("present" while
// a matching line remains). A missing line plans a create; a different
// matching line plans an update.
//
// Saved: "replaced" (the line a regexp match held before drover's first
// apply) or "added" ("true"), and "created" ("true" when drover made the
// file). Delete puts the replaced line back, or removes the added one,
// and removes a file drover created once nothing is left in it.
type lineKind struct{}

func (lineKind) ReplaceOn() []string { return []string{"path"} }

func (lineKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "state", "present")
	host.SetDefault(r.Attrs, "create", "true")
	return r
}

// lineMatcher is how a resource finds its line.
type lineMatcher struct {
	re   *regexp.Regexp // nil: exact match of line
	line string
}

func newLineMatcher(r core.Resource) (lineMatcher, error) {
	m := lineMatcher{line: r.Attrs["line"]}
	if strings.ContainsAny(m.line, "\n\r") {
		return m, fmt.Errorf("line %q holds a newline; a line resource manages one line", m.line)
	}
	if pattern := r.Attrs["regexp"]; pattern != "" {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return m, fmt.Errorf("regexp %q: %w", pattern, err)
		}
		m.re = re
	}
	return m, nil
}

func (m lineMatcher) matches(s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	return s == m.line
}

// last returns the index of the last matching line, or -1.
func (m lineMatcher) last(lines []string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if m.matches(lines[i]) {
			return i
		}
	}
	return -1
}

// textFile is a file split into lines, remembering whether it ended with
// a newline.
type textFile struct {
	lines      []string
	noFinalEOL bool
	stat       unix.Stat_t
}

func splitLines(data string) textFile {
	if data == "" {
		return textFile{}
	}
	t := textFile{noFinalEOL: !strings.HasSuffix(data, "\n")}
	t.lines = strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	return t
}

func (t textFile) String() string {
	if len(t.lines) == 0 {
		return ""
	}
	s := strings.Join(t.lines, "\n")
	if !t.noFinalEOL {
		s += "\n"
	}
	return s
}

// readTextFile reads the regular file at path (never through a link at
// it); a missing file is reported by exists=false. The file's status
// comes with its text.
func readTextFile(path string) (textFile, bool, error) {
	data, st, err := readRegular(path)
	if errors.Is(err, os.ErrNotExist) {
		return textFile{}, false, nil
	}
	if err != nil {
		return textFile{}, false, err
	}
	t := splitLines(string(data))
	t.stat = st
	return t, true, nil
}

func (lineKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	m, err := newLineMatcher(r)
	if err != nil {
		return nil, false, err
	}
	path := r.Attrs["path"]
	t, fileExists, err := readTextFile(path)
	if err != nil {
		return nil, false, err
	}
	if r.Attrs["state"] == "absent" {
		state := "absent"
		if m.last(t.lines) >= 0 {
			state = "present"
		}
		return map[string]string{"path": path, "state": state}, true, nil
	}
	if !fileExists {
		return nil, false, nil
	}
	i := m.last(t.lines)
	if i < 0 && m.re != nil && slices.Contains(t.lines, m.line) {
		// No line matches the regexp but the wanted line is there.
		return map[string]string{"path": path, "line": m.line}, true, nil
	}
	if i < 0 {
		return nil, false, nil
	}
	return host.MarkPrivate(map[string]string{"path": path, "line": t.lines[i]}, t.stat, "line"), true, nil
}

func (lineKind) Apply(r core.Resource, _ bool, saved map[string]string) (map[string]string, error) {
	path := r.Attrs["path"]
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("path %q is not absolute", path)
	}
	m, err := newLineMatcher(r)
	if err != nil {
		return nil, err
	}
	t, fileExists, err := readTextFile(path)
	if err != nil {
		return nil, err
	}
	if !fileExists && r.Attrs["state"] != "absent" && r.Attrs["create"] == "false" {
		return nil, fmt.Errorf("%s does not exist (create = false)", path)
	}
	out := host.CopyAttrs(saved)
	if !fileExists && r.Attrs["state"] != "absent" {
		out["created"] = "true"
	}
	if r.Attrs["state"] == "absent" {
		t.lines = removeMatching(t.lines, m)
	} else {
		t.lines, err = placeLine(t.lines, m, r.Attrs["insert_after"], out)
		if err != nil {
			return nil, err
		}
	}
	if !fileExists && len(t.lines) == 0 {
		return out, nil
	}
	if err := writeKeepingMode(path, t.String()); err != nil {
		return nil, err
	}
	return out, nil
}

// placeLine puts m.line in place of the last match, or after the last
// line matching insertAfter, or at the end, and records in saved what it
// did the first time.
func placeLine(lines []string, m lineMatcher, insertAfter string, saved map[string]string) ([]string, error) {
	i := m.last(lines)
	if i < 0 && m.re != nil && slices.Contains(lines, m.line) {
		return lines, nil
	}
	if i >= 0 {
		if saved["replaced"] == "" && saved["added"] == "" && lines[i] != m.line {
			saved["replaced"] = lines[i]
		}
		lines[i] = m.line
		return lines, nil
	}
	if saved["replaced"] == "" {
		saved["added"] = "true"
	}
	at := len(lines)
	if insertAfter != "" {
		re, err := regexp.Compile(insertAfter)
		if err != nil {
			return nil, fmt.Errorf("insert_after %q: %w", insertAfter, err)
		}
		for j := len(lines) - 1; j >= 0; j-- {
			if re.MatchString(lines[j]) {
				at = j + 1
				break
			}
		}
	}
	return append(lines[:at:at], append([]string{m.line}, lines[at:]...)...), nil
}

func removeMatching(lines []string, m lineMatcher) []string {
	out := lines[:0:0]
	for _, l := range lines {
		if !m.matches(l) {
			out = append(out, l)
		}
	}
	return out
}

func (lineKind) Delete(r core.Resource, saved map[string]string) error {
	if r.Attrs["state"] == "absent" {
		return nil // removed lines are not restored
	}
	path := r.Attrs["path"]
	t, fileExists, err := readTextFile(path)
	if err != nil || !fileExists {
		return err
	}
	m := lineMatcher{line: r.Attrs["line"]}
	i := m.last(t.lines)
	if i < 0 {
		return nil
	}
	if prev, ok := saved["replaced"]; ok && prev != "" {
		t.lines[i] = prev
	} else {
		t.lines = append(t.lines[:i], t.lines[i+1:]...)
	}
	if len(t.lines) == 0 && saved["created"] == "true" {
		return safefs.Remove(path)
	}
	return writeKeepingMode(path, t.String())
}

// writeKeepingMode replaces path atomically with content, keeping the
// mode and owner of the file it replaces (0644 root:root for a new one).
func writeKeepingMode(path, content string) error {
	o := host.RootFile(0o644)
	if st, err := safefs.Lstat(path); err == nil {
		o = safefs.WriteOptions{Mode: st.Mode & 0o7777, UID: int(st.Uid), GID: int(st.Gid)}
	}
	if err := host.WriteFileAtomic(path, []byte(content), o); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

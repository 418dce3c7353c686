package lab

import (
	"bufio"
	"os"
	"strings"
)

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	point  string // mount point, unescaped
	fstype string
	super  string // superblock options
}

// readMountinfo parses /proc/self/mountinfo.
func readMountinfo() ([]mountEntry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []mountEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if m, ok := parseMountinfoLine(sc.Text()); ok {
			ms = append(ms, m)
		}
	}
	return ms, sc.Err()
}

// parseMountinfoLine reads "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] -
// FSTYPE SOURCE SUPEROPTS".
func parseMountinfoLine(line string) (mountEntry, bool) {
	fields := strings.Fields(line)
	sep := -1
	for i, f := range fields {
		if f == "-" && i >= 6 {
			sep = i
			break
		}
	}
	if sep < 0 || len(fields) < sep+3 {
		return mountEntry{}, false
	}
	m := mountEntry{point: unescapeMount(fields[4]), fstype: fields[sep+1]}
	if len(fields) > sep+3 {
		m.super = fields[sep+3]
	}
	return m, true
}

// unescapeMount undoes the octal escapes (\040 for a space) of mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '7' {
			return false
		}
	}
	return len(s) == 3
}

// isMountPoint reports whether path is a mount point.
func isMountPoint(path string) (bool, error) {
	ms, err := readMountinfo()
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.point == path {
			return true, nil
		}
	}
	return false, nil
}

// cgroupSpecs describes, for the host init, the cgroup hierarchies a lab
// host mounts below /sys/fs/cgroup: "SUBDIR:FSTYPE:OPTIONS". It mirrors
// the machine's own layout (v1 controllers as co-mounted there, name=systemd,
// a cgroup2 "unified" or root mount); on a machine without v1 mounts it
// tries each enabled controller of /proc/cgroups on its own.
func cgroupSpecs(ms []mountEntry, enabled []string) []string {
	const root = "/sys/fs/cgroup"
	var specs []string
	haveSystemd, haveV1 := false, false
	for _, m := range ms {
		dir, ok := cgroupSubdir(root, m.point)
		if !ok {
			continue
		}
		switch m.fstype {
		case "cgroup2":
			spec := dir + ":cgroup2:rw"
			if dir == "." {
				specs = append([]string{spec}, specs...)
				continue
			}
			specs = append(specs, spec)
		case "cgroup":
			opts := v1Options(m.super, enabled)
			if opts == "" {
				continue
			}
			haveV1 = true
			if strings.Contains(opts, "name=systemd") {
				haveSystemd = true
			}
			specs = append(specs, dir+":cgroup:"+opts)
		}
	}
	if !haveV1 && (len(specs) == 0 || !strings.HasPrefix(specs[0], ".:")) {
		for _, c := range enabled {
			specs = append(specs, c+":cgroup:"+c)
		}
	}
	if !haveSystemd {
		specs = append(specs, "systemd:cgroup:none,name=systemd")
	}
	return specs
}

// cgroupSubdir is point relative to root ("." for root itself) when point
// is root or a direct child of it.
func cgroupSubdir(root, point string) (string, bool) {
	if point == root {
		return ".", true
	}
	rel, ok := strings.CutPrefix(point, root+"/")
	if !ok || rel == "" || strings.Contains(rel, "/") || strings.Contains(rel, ":") {
		return "", false
	}
	return rel, true
}

// v1Options keeps, of a cgroup v1 superblock's options, the controllers
// and the name=; "" when there are none.
func v1Options(super string, enabled []string) string {
	var keep []string
	for _, o := range strings.Split(super, ",") {
		if strings.HasPrefix(o, "name=") || contains(enabled, o) {
			keep = append(keep, o)
		}
	}
	if len(keep) == 1 && strings.HasPrefix(keep[0], "name=") {
		return "none," + keep[0]
	}
	return strings.Join(keep, ",")
}

// enabledControllers lists the enabled cgroup controllers of /proc/cgroups.
func enabledControllers() []string {
	data, err := os.ReadFile("/proc/cgroups")
	if err != nil {
		return nil
	}
	var cs []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && !strings.HasPrefix(f[0], "#") && f[3] == "1" {
			cs = append(cs, f[0])
		}
	}
	return cs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

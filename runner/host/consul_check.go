package host

import (
	"fmt"
	"strings"
	"time"
)

// checkConsul proves a Consul agent joined its cluster: `BINARY members`
// (with -http-addr=ADDR when http_addr is set) lists every address of
// members (space-separated IPs) as alive. Attributes: binary, http_addr,
// members, retry_ms.
func checkConsul(attrs map[string]string) (bool, string) {
	args := []string{"members"}
	if a := attrs["http_addr"]; a != "" {
		args = append(args, "-http-addr="+a)
	}
	want := strings.Fields(attrs["members"])
	deadline := time.Now().Add(time.Duration(atoiOr(attrs["retry_ms"], 0)) * time.Millisecond)
	for {
		out, err := runCommand("", attrs["binary"], args...)
		missing := missingMembers(out, want)
		switch {
		case err == nil && len(missing) == 0:
			return true, fmt.Sprintf("%d member(s) alive", len(want))
		case time.Now().After(deadline) && err != nil:
			return false, err.Error()
		case time.Now().After(deadline):
			return false, "not alive in consul members: " + strings.Join(missing, ", ") + "\n" + out
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// missingMembers are the addresses of want that no alive line of `consul
// members` output names (its Address column is IP:PORT).
func missingMembers(out string, want []string) []string {
	alive := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[2] == "alive" {
			alive[strings.SplitN(f[1], ":", 2)[0]] = true
		}
	}
	var missing []string
	for _, w := range want {
		if !alive[w] {
			missing = append(missing, w)
		}
	}
	return missing
}

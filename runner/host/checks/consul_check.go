package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/drover/drover/runner/host"
)

// checkConsul proves a Consul agent joined its cluster: `BINARY members`
// (with -http-addr=ADDR when http_addr is set) lists every address of
// members (space-separated IPs) as alive. Attributes: binary, http_addr,
// members, retry_ms. With service set it asks the agent's DNS (dns,
// default 127.0.0.1:8600) instead: OK when SERVICE.service.consul
// answers address (what the agent says of the service).
func checkConsul(attrs map[string]string) (bool, string) {
	if attrs["service"] != "" {
		return consulServiceDNS(attrs)
	}
	args := []string{"members"}
	if a := attrs["http_addr"]; a != "" {
		args = append(args, "-http-addr="+a)
	}
	want := strings.Fields(attrs["members"])
	deadline := time.Now().Add(time.Duration(atoiOr(attrs["retry_ms"], 0)) * time.Millisecond)
	for {
		out, err := host.RunCommand("", attrs["binary"], args...)
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

// consulServiceDNS asks the agent's DNS for SERVICE.service.consul:
// passing instances answer, so an address missing means not registered
// (or failing its check); no answer at all means no agent.
func consulServiceDNS(attrs map[string]string) (bool, string) {
	server := attrs["dns"]
	if server == "" {
		server = "127.0.0.1:8600"
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", server)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	name := attrs["service"] + ".service.consul"
	addrs, err := r.LookupHost(ctx, name)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false, "the agent does not know " + name
	case err != nil:
		return false, "no agent answers DNS on " + server + ": " + err.Error()
	}
	for _, a := range addrs {
		if a == attrs["address"] {
			return true, "the agent answers " + strings.Join(addrs, " ")
		}
	}
	return false, "the agent answers " + name + " with " + strings.Join(addrs, " ") + ", not " + attrs["address"]
}

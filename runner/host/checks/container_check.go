package host

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/drover/drover/core"
)

// checkTCP proves a port accepts connections. Attributes: addr
// ("HOST:PORT"), timeout_ms per attempt (default 2000), retry_ms (keep
// trying this long, default 0).
func checkTCP(attrs map[string]string) (bool, string) {
	if attrs["addr"] == "" {
		return false, "tcp check without addr"
	}
	timeout := time.Duration(atoiOr(attrs["timeout_ms"], 2000)) * time.Millisecond
	deadline := time.Now().Add(time.Duration(atoiOr(attrs["retry_ms"], 0)) * time.Millisecond)
	for {
		ok, detail := dialTCP(attrs["addr"], timeout)
		if ok || time.Now().After(deadline) {
			return ok, detail
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func dialTCP(hostPort string, timeout time.Duration) (bool, string) {
	c, err := net.DialTimeout("tcp", hostPort, timeout)
	if err != nil {
		return false, err.Error()
	}
	c.Close()
	return true, "connected to " + hostPort
}

// checkContainer proves a container runs and passes its health check.
// Attributes: name, check ("tcp:PORT", "http:PORT:PATH" or ""), retry_ms.
func checkContainer(kinds Kinds, attrs map[string]string) (bool, string) {
	k, ok := kinds["container"].(containerKind)
	if !ok {
		return false, "no container kind"
	}
	deadline := time.Now().Add(time.Duration(atoiOr(attrs["retry_ms"], 0)) * time.Millisecond)
	for {
		ok, detail := k.checkOnce(attrs["name"], attrs["check"])
		if ok || time.Now().After(deadline) {
			return ok, fmt.Sprintf("container %s: %s", attrs["name"], detail)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// checkContainerKinds runs the check kinds of this file: "tcp" and
// "container".
func checkContainerKinds(kinds Kinds, c core.Check) (bool, string) {
	if c.Kind == "tcp" {
		return checkTCP(c.Attrs)
	}
	return checkContainer(kinds, c.Attrs)
}

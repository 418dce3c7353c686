package checks

import (
	"fmt"
	"strconv"
	"time"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/probe"
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
		ok, detail := probe.DialTCP(attrs["addr"], timeout)
		if ok || time.Now().After(deadline) {
			return ok, detail
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// containerProber is the container kind's health check of one container
// (apps.containerKind).
type containerProber interface {
	CheckOnce(runtime, name, check string) (bool, string)
}

// checkContainer proves a container runs and passes its health check.
// Attributes: name, runtime ("" = lxc), check ("tcp:PORT",
// "http:PORT:PATH" or ""), retry_ms.
func checkContainer(kinds host.Kinds, attrs map[string]string) (bool, string) {
	k, ok := kinds["container"].(containerProber)
	if !ok {
		return false, "no container kind"
	}
	deadline := time.Now().Add(time.Duration(atoiOr(attrs["retry_ms"], 0)) * time.Millisecond)
	for {
		ok, detail := k.CheckOnce(attrs["runtime"], attrs["name"], attrs["check"])
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

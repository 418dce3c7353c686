package probe

import (
	"net"
	"time"
)

// DialTCP connects to hostPort once within timeout and reports how it went.
func DialTCP(hostPort string, timeout time.Duration) (bool, string) {
	c, err := net.DialTimeout("tcp", hostPort, timeout)
	if err != nil {
		return false, err.Error()
	}
	c.Close()
	return true, "connected to " + hostPort
}

package network

import "testing"

func TestCheckSysctlKey(t *testing.T) {
	for _, ok := range []string{"net.ipv4.ip_forward", "net.ipv4.conf.eth0/100.rp_filter", "kernel.core_pattern", "net.ipv6.conf.all.disable_ipv6"} {
		if err := checkSysctlKey(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "net..x", "net/../../etc/shadow", "net.a/../../b", "/etc/x", "net.x\nkernel.y", "net.x y", "-n", "net.ipv4/", "net.a//b"} {
		if err := checkSysctlKey(bad); err == nil {
			t.Errorf("%q passed", bad)
		}
	}
}

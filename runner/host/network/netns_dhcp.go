package network

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// DHCPExchange asks for a lease once from a throwaway namespace plugged
// into bridge and returns what udhcpc printed (it reports on stderr; -R
// releases the lease when it quits): the "dhcp" check.
func (netnsKind) DHCPExchange(bridge string) (string, error) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return "", fmt.Errorf("busybox (udhcpc) is not installed")
	}
	br, err := netlink.LinkByName(bridge)
	if err != nil {
		return "", fmt.Errorf("bridge %s: %w", bridge, err)
	}
	var b [3]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	name, veth := "drover-dhcpcheck-"+id, "dchk"+id
	ns, err := createNamedNetns(name)
	if err != nil {
		return "", fmt.Errorf("probe namespace: %w", err)
	}
	defer func() {
		ns.Close()
		if l, err := netlink.LinkByName(veth); err == nil {
			netlink.LinkDel(l)
		}
		netns.DeleteNamed(name)
	}()
	if err := plugVeth(ns, veth, br); err != nil {
		return "", err
	}
	if err := configureNs(ns, br.Attrs().MTU, map[string]string{"dhcp": "true"}); err != nil {
		return "", err
	}
	out, err := exec.Command("ip", "netns", "exec", name, busybox, "udhcpc", "-i", nsIface, "-n", "-q", "-f", "-R",
		"-t", "5", "-T", "1", "-s", "/bin/true", "-x", "hostname:drover-check").CombinedOutput()
	return string(out), err
}

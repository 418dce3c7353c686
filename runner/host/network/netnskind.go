package network

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// netnsKind manages a container-like named network namespace (the seed's
// setnet/addnet): /run/netns/NAME, with loopback up and one interface,
// eth0, the peer of a veth whose host end is a port of a bridge. eth0
// takes the bridge's MTU and a static address (with an optional default
// route) or a DHCP lease from busybox udhcpc, which keeps running in the
// namespace to renew it and writes the lease's DNS server to
// /etc/netns/NAME/resolv.conf (which `ip netns exec` shows as
// /etc/resolv.conf).
//
// Name: the namespace. Attributes (all replace):
//   - bridge: the host's bridge the namespace joins
//   - veth: the host end of the veth (default "at-" + name)
//   - address: static address with prefix length, "100.64.10.50/24"
//   - gateway: default route of a static address (optional)
//   - dhcp: "true" to lease the address instead (default "false")
//
// Outputs: address (eth0's IPv4 address, leased or static), bridge.
type netnsKind struct {
	runDir, logDir string
}

func newNetnsKind(env host.Env) netnsKind { return netnsKind{runDir: env.RunDir, logDir: env.LogDir} }

// nsIface is the namespace's interface name.
const nsIface = "eth0"

func (netnsKind) ReplaceOn() []string {
	return []string{"bridge", "veth", "address", "gateway", "dhcp"}
}

func (netnsKind) Defaults(r core.Resource) core.Resource {
	host.SetDefault(r.Attrs, "veth", "at-"+r.Name)
	host.SetDefault(r.Attrs, "dhcp", "false")
	return r
}

func (k netnsKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	ns, err := netns.GetFromName(r.Name)
	if err != nil {
		return nil, false, nil
	}
	defer ns.Close()
	veth, err := netlink.LinkByName(r.Attrs["veth"])
	if isLinkNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	actual := map[string]string{
		"bridge": host.LinkName(veth.Attrs().MasterIndex),
		"veth":   veth.Attrs().Name,
		"dhcp":   strconv.FormatBool(k.DHCPClientPID(r.Name) > 0),
	}
	addrs, gw, err := nsState(ns)
	if err != nil {
		return nil, false, fmt.Errorf("namespace %s: %w", r.Name, err)
	}
	actual["gateway"] = gw
	actual["address"] = ""
	for _, a := range addrs {
		if a == r.Attrs["address"] || actual["address"] == "" {
			actual["address"] = a
		}
	}
	return host.KeepKeys(actual, r.Attrs), true, nil
}

// nsState is eth0's IPv4 addresses and the default route's gateway in ns.
func nsState(ns netns.NsHandle) ([]string, string, error) {
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, "", err
	}
	defer h.Close()
	eth0, err := h.LinkByName(nsIface)
	if err != nil {
		return nil, "", nil
	}
	list, err := h.AddrList(eth0, netlink.FAMILY_V4)
	if err != nil {
		return nil, "", err
	}
	var addrs []string
	for _, a := range list {
		addrs = append(addrs, a.IPNet.String())
	}
	gw := ""
	routes, err := h.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, "", err
	}
	for _, rt := range routes {
		if (rt.Dst == nil || rt.Dst.String() == "0.0.0.0/0") && rt.Gw != nil {
			gw = rt.Gw.String()
		}
	}
	return addrs, gw, nil
}

func (k netnsKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	name := r.Name
	br, err := netlink.LinkByName(r.Attrs["bridge"])
	if err != nil {
		return nil, fmt.Errorf("namespace %s: bridge %s: %w", name, r.Attrs["bridge"], err)
	}
	ns, err := netns.GetFromName(name)
	if err != nil {
		if ns, err = createNamedNetns(name); err != nil {
			return nil, fmt.Errorf("create network namespace %s: %w", name, err)
		}
	}
	defer ns.Close()
	if err := plugVeth(ns, r.Attrs["veth"], br); err != nil {
		return nil, fmt.Errorf("namespace %s: %w", name, err)
	}
	if err := configureNs(ns, br.Attrs().MTU, r.Attrs); err != nil {
		return nil, fmt.Errorf("namespace %s: %w", name, err)
	}
	if r.Attrs["dhcp"] == "true" {
		return nil, k.lease(name)
	}
	return nil, nil
}

// createNamedNetns makes /run/netns/NAME from a thread of its own, which
// is never unlocked: Go discards it, with its namespace, when the
// goroutine ends, so no other goroutine ever runs in the new namespace.
func createNamedNetns(name string) (netns.NsHandle, error) {
	type result struct {
		ns  netns.NsHandle
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		ns, err := netns.NewNamed(name)
		done <- result{ns, err}
	}()
	res := <-done
	return res.ns, res.err
}

// plugVeth makes the veth (host end on the bridge, eth0 in ns) unless it
// exists, and brings the host end up.
func plugVeth(ns netns.NsHandle, name string, br netlink.Link) error {
	l, err := netlink.LinkByName(name)
	if isLinkNotFound(err) {
		la := netlink.NewLinkAttrs()
		la.Name, la.MTU = name, br.Attrs().MTU
		veth := &netlink.Veth{LinkAttrs: la, PeerName: nsIface, PeerNamespace: netlink.NsFd(int(ns))}
		if err := netlink.LinkAdd(veth); err != nil {
			return fmt.Errorf("create veth %s: %w", name, err)
		}
		l, err = netlink.LinkByName(name)
	}
	if err != nil {
		return err
	}
	if err := pinMAC(br); err != nil {
		return err
	}
	if err := setMaster(l, br.Attrs().Name); err != nil {
		return err
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("set %s up: %w", name, err)
	}
	return nil
}

// configureNs brings lo and eth0 up with the bridge's MTU, and sets the
// static address and default route.
func configureNs(ns netns.NsHandle, mtu int, attrs map[string]string) error {
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	for _, name := range []string{"lo", nsIface} {
		l, err := h.LinkByName(name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if name == nsIface && l.Attrs().MTU != mtu {
			if err := h.LinkSetMTU(l, mtu); err != nil {
				return fmt.Errorf("set %s mtu %d: %w", name, mtu, err)
			}
		}
		if err := h.LinkSetUp(l); err != nil {
			return fmt.Errorf("set %s up: %w", name, err)
		}
	}
	if attrs["address"] == "" {
		return nil
	}
	eth0, err := h.LinkByName(nsIface)
	if err != nil {
		return err
	}
	addr, err := netlink.ParseAddr(attrs["address"])
	if err != nil {
		return fmt.Errorf("attribute address=%q: %w", attrs["address"], err)
	}
	if err := h.AddrReplace(eth0, addr); err != nil {
		return fmt.Errorf("add %s to %s: %w", attrs["address"], nsIface, err)
	}
	if attrs["gateway"] == "" {
		return nil
	}
	gw := net.ParseIP(attrs["gateway"])
	if gw == nil {
		return fmt.Errorf("attribute gateway=%q is not an IP address", attrs["gateway"])
	}
	if err := h.RouteReplace(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: gw}); err != nil {
		return fmt.Errorf("default route via %s: %w", gw, err)
	}
	return nil
}

// udhcpcScript applies a lease inside the namespace; busybox udhcpc runs
// it with the lease in its environment (mask is the prefix length).
const udhcpcScript = `#!/bin/sh
# Written by drover: applies udhcpc leases in network namespace %[1]s.
case $1 in
deconfig)
	ip -4 addr flush dev "$interface"
	;;
bound|renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/$mask" dev "$interface"
	[ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
	for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
	if [ -n "$dns" ]; then
		mkdir -p /etc/netns/%[1]s
		for d in $dns; do echo "nameserver $d"; done > /etc/netns/%[1]s/resolv.conf
	fi
	;;
esac
exit 0
`

func (k netnsKind) paths(name string) (script, pidfile, logfile string) {
	return filepath.Join(k.runDir, "udhcpc-"+name+".sh"), filepath.Join(k.runDir, "udhcpc-"+name+".pid"),
		filepath.Join(k.logDir, "udhcpc-"+name+".log")
}

// lease runs udhcpc in the namespace: it returns once a lease is applied
// (the client then keeps renewing in the background), or fails after 20
// tries a second apart with the client's output. 20 s outlast a tunnel
// under the network whose first WireGuard handshakes were lost (an L2 VPN
// retries them after 5 s each way: 10 tries failed 1 apply in ~10).
func (k netnsKind) lease(name string) error {
	if k.DHCPClientPID(name) > 0 {
		return nil
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return fmt.Errorf("namespace %s: DHCP needs busybox's udhcpc, which is not installed (apt-get install busybox-static)", name)
	}
	script, pidfile, logfile := k.paths(name)
	for _, dir := range []string{k.runDir, k.logDir} {
		if err := host.Mkdirs(dir, 0o755); err != nil {
			return err
		}
	}
	if err := host.WriteFileAtomic(script, []byte(fmt.Sprintf(udhcpcScript, name)), host.RootFile(0o755)); err != nil {
		return err
	}
	log, err := safefs.OpenFile(logfile, unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command("ip", "netns", "exec", name, busybox, "udhcpc", "-i", nsIface, "-O", "mtu",
		"-n", "-t", "20", "-T", "1", "-x", "hostname:"+name, "-s", script, "-p", pidfile)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Run(); err != nil {
		out, _ := host.ReadFile(logfile)
		return fmt.Errorf("namespace %s: no DHCP lease on %s: %v\n%s", name, nsIface, err, strings.TrimSpace(string(out)))
	}
	// udhcpc goes to the background once leased and only then writes its
	// new pid over its parent's: wait for it, so that what runs next (the
	// lease check) finds the client.
	for deadline := time.Now().Add(2 * time.Second); k.DHCPClientPID(name) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// DHCPClientPID is the pid of the namespace's DHCP client, or 0 (the
// "lease" check).
func (k netnsKind) DHCPClientPID(name string) int {
	_, pidfile, _ := k.paths(name)
	b, err := host.ReadFile(pidfile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), "udhcpc") {
		return 0
	}
	return pid
}

func (k netnsKind) Delete(r core.Resource, _ map[string]string) error {
	name := r.Name
	if pid := k.DHCPClientPID(name); pid > 0 {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("namespace %s: stop udhcpc (pid %d): %w", name, pid, err)
		}
	}
	script, pidfile, _ := k.paths(name)
	veth := r.Attrs["veth"]
	if veth == "" {
		veth = "at-" + name
	}
	if l, err := netlink.LinkByName(veth); err == nil {
		if err := netlink.LinkDel(l); err != nil {
			return fmt.Errorf("namespace %s: delete veth %s: %w", name, veth, err)
		}
	}
	if _, err := os.Stat(filepath.Join("/run/netns", name)); err == nil {
		if err := netns.DeleteNamed(name); err != nil {
			return fmt.Errorf("delete network namespace %s: %w", name, err)
		}
	}
	for _, p := range []string{script, pidfile, filepath.Join("/etc/netns", name)} {
		if err := safefs.RemoveAll(p); err != nil {
			return err
		}
	}
	safefs.Remove("/etc/netns") // only when empty: the lease script made it
	return nil
}

// Outputs are the namespace's live address, for `drover show attachments`.
func (netnsKind) Outputs(r core.Resource, _ map[string]string) map[string]string {
	out := map[string]string{"bridge": r.Attrs["bridge"]}
	ns, err := netns.GetFromName(r.Name)
	if err != nil {
		out["state"] = "absent"
		return out
	}
	defer ns.Close()
	addrs, _, err := nsState(ns)
	out["state"] = "up"
	if err == nil && len(addrs) > 0 {
		out["address"] = addrs[0]
	}
	return out
}

// pinMAC pins the MAC address of a bridge whose MAC was never set (it
// takes its ports' lowest), so that plugging or unplugging a namespace
// never changes the address neighbours have cached for the bridge. A
// bridge whose MAC was set (a VXLAN member's stable MAC) is left alone:
// setting a MAC, even the same one, makes the kernel flush every
// neighbour entry of the bridge, permanent ones included.
func pinMAC(br netlink.Link) error {
	name := br.Attrs().Name
	if t, err := os.ReadFile(filepath.Join("/sys/class/net", name, "addr_assign_type")); err == nil && strings.TrimSpace(string(t)) == netAddrSet {
		return nil
	}
	if err := netlink.LinkSetHardwareAddr(br, br.Attrs().HardwareAddr); err != nil {
		return fmt.Errorf("pin the MAC address of bridge %s: %w", name, err)
	}
	return nil
}

// netAddrSet is NET_ADDR_SET, a link's addr_assign_type once its MAC was
// set by hand.
const netAddrSet = "3"

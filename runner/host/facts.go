package host

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// factCommands are the programs whose paths Facts.Commands reports.
func factCommands() []string {
	return []string{"ping", "nft", "dnsmasq", "bird", "haproxy", "nginx", "keepalived", "wg", "wireguard-go", "systemctl", "consul"}
}

// probeLinkName is the throwaway link ProbeLinkKinds creates and deletes
// when it cannot probe in a private namespace.
const probeLinkName = "drvprobe0"

// GatherFacts collects the host's facts in-process: interfaces through
// netlink, /etc/os-release, uname, the init system, the link kinds the
// kernel can create and the programs drover may use.
func GatherFacts() (core.Facts, error) { return GatherFactsWith(nil) }

// GatherFactsWith is GatherFacts with the link kinds already probed
// (nil: probe now), so that a helper probes once per process.
func GatherFactsWith(linkKinds []string) (core.Facts, error) {
	f := core.Facts{Arch: runtime.GOARCH, Init: "none"}
	f.Hostname, _ = os.Hostname()
	f.Kernel = KernelRelease()
	f.Distribution = distribution("/etc/os-release")
	if isDir("/run/systemd/system") {
		f.Init = "systemd"
	}
	var err error
	if f.Interfaces, err = interfaces(); err != nil {
		return f, err
	}
	f.DefaultIface = defaultIface()
	f.LinkKinds = linkKinds
	if f.LinkKinds == nil {
		f.LinkKinds = ProbeLinkKinds()
	}
	f.Commands = findCommands(factCommands())
	return f, nil
}

// KernelRelease is the running kernel's release (uname -r), or "".
func KernelRelease() string {
	var uts syscall.Utsname
	if err := syscall.Uname(&uts); err != nil {
		return ""
	}
	return utsString(uts.Release[:])
}

func utsString(b []int8) string {
	var sb strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}

// distribution is "ID VERSION_ID" from os-release ("debian 12"), or its
// PRETTY_NAME, or "".
func distribution(path string) string {
	file, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer file.Close()
	vals := map[string]string{}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vals[k] = strings.Trim(v, `"'`)
		}
	}
	if vals["ID"] != "" {
		return strings.TrimSpace(vals["ID"] + " " + vals["VERSION_ID"])
	}
	return vals["PRETTY_NAME"]
}

func interfaces() ([]core.Interface, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	out := make([]core.Interface, 0, len(links))
	for _, l := range links {
		a := l.Attrs()
		ifc := core.Interface{Name: a.Name, MTU: a.MTU, Up: a.Flags&net.FlagUp != 0, Addrs: []string{}}
		addrs, err := netlink.AddrList(l, netlink.FAMILY_ALL)
		if err != nil {
			return nil, err
		}
		for _, ad := range addrs {
			if ad.IP.IsLinkLocalUnicast() {
				continue
			}
			ifc.Addrs = append(ifc.Addrs, ad.IPNet.String())
		}
		out = append(out, ifc)
	}
	return out, nil
}

// defaultIface is the link of the main table's IPv4 default route.
func defaultIface() string {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return ""
	}
	for _, rt := range routes {
		if rt.Dst == nil || rt.Dst.String() == "0.0.0.0/0" {
			if name := LinkName(rt.LinkIndex); name != "" {
				return name
			}
		}
	}
	return ""
}

// ProbeLinkKinds reports which link kinds the kernel can create, by
// creating a throwaway link of each kind (the only reliable test: a kernel
// may have a kind built in or as a loadable module, which the attempt
// loads). The links are made in a private network namespace, made for the
// probe and dropped with it, so the host's namespace never sees them and
// no link deletion (~20 ms each) is waited for. Where no namespace can be
// made, the probe creates and deletes drvprobe0 in place.
func ProbeLinkKinds() []string {
	result := make(chan []string, 1)
	go func() {
		// The thread is never unlocked: Go discards it, with its
		// namespace, when this goroutine ends.
		runtime.LockOSThread()
		ns, err := netns.New()
		if err == nil {
			ns.Close()
		}
		result <- probeLinkKindsHere(err == nil)
	}()
	return <-result
}

// probeLinkKindsHere probes in the calling thread's network namespace;
// private says nobody else sees it, so links need not be deleted.
func probeLinkKindsHere(private bool) []string {
	var kinds []string
	n := 0
	name := func() netlink.LinkAttrs {
		a := netlink.NewLinkAttrs()
		a.Name = probeLinkName
		if private {
			a.Name = fmt.Sprintf("drvprobe%d", n)
			n++
		}
		return a
	}
	probe := func(kind string, l netlink.Link) {
		if err := netlink.LinkAdd(l); err == nil {
			kinds = append(kinds, kind)
			if !private {
				netlink.LinkDel(l)
			}
		}
	}
	local, remote := net.IPv4(203, 0, 113, 250), net.IPv4(203, 0, 113, 251)
	probe("bridge", &netlink.Bridge{LinkAttrs: name()})
	probe("vxlan", &netlink.Vxlan{LinkAttrs: name(), VxlanId: 4242, Port: 4789})
	probe("wireguard", &netlink.Wireguard{LinkAttrs: name()})
	probe("gre", &netlink.Gretun{LinkAttrs: name(), Local: local, Remote: remote})
	probe("ipip", &netlink.Iptun{LinkAttrs: name(), Local: local, Remote: remote})
	probe("gretap", &netlink.Gretap{LinkAttrs: name(), Local: local, Remote: remote})
	probe("dummy", &netlink.Dummy{LinkAttrs: name()})
	// The veth stays while macvlan and vlan are probed on top of it.
	veth := &netlink.Veth{LinkAttrs: name(), PeerName: "drvprobe-peer"}
	if err := netlink.LinkAdd(veth); err != nil {
		return kinds
	}
	if !private {
		defer netlink.LinkDel(veth)
	}
	kinds = append(kinds, "veth")
	parent, err := netlink.LinkByName(veth.Name)
	if err != nil {
		return kinds
	}
	for _, kind := range []string{"macvlan", "vlan"} {
		child := name()
		if !private {
			child.Name = "drvprobe-child"
		}
		child.ParentIndex = parent.Attrs().Index
		if kind == "macvlan" {
			probe(kind, &netlink.Macvlan{LinkAttrs: child, Mode: netlink.MACVLAN_MODE_BRIDGE})
		} else {
			probe(kind, &netlink.Vlan{LinkAttrs: child, VlanId: 42})
		}
	}
	return kinds
}

// findCommands maps each program found in PATH, /usr/sbin, /sbin,
// /usr/local/sbin or /usr/local/bin to its path.
func findCommands(names []string) map[string]string {
	found := map[string]string{}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			found[name] = p
			continue
		}
		for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/local/bin"} {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				found[name] = p
				break
			}
		}
	}
	return found
}

// LinkName is the name of the link with index idx in this namespace, or
// "" (index 0, or a link elsewhere).
func LinkName(idx int) string {
	if idx == 0 {
		return ""
	}
	l, err := netlink.LinkByIndex(idx)
	if err != nil {
		return ""
	}
	return l.Attrs().Name
}

package host

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
)

// FactCommands are the programs whose paths Facts.Commands reports.
var FactCommands = []string{"ping", "nft", "dnsmasq", "bird", "haproxy", "nginx", "keepalived", "wg", "wireguard-go", "systemctl"}

// probeLinkName is the throwaway link LinkKinds probing creates and
// deletes (with drvprobe1 as the veth peer and drvprobe2 as a macvlan or
// vlan on top of it).
const probeLinkName = "drvprobe0"

// GatherFacts collects the host's facts in-process: interfaces through
// netlink, /etc/os-release, uname, the init system, the link kinds the
// kernel can create and the programs drover may use.
func GatherFacts() (Facts, error) { return GatherFactsWith(nil) }

// GatherFactsWith is GatherFacts with the link kinds already probed
// (nil: probe now), so that a helper probes once per process.
func GatherFactsWith(linkKinds []string) (Facts, error) {
	f := Facts{Arch: runtime.GOARCH, Init: "none"}
	f.Hostname, _ = os.Hostname()
	var uts syscall.Utsname
	if err := syscall.Uname(&uts); err == nil {
		f.Kernel = utsString(uts.Release[:])
	}
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
	f.Commands = findCommands(FactCommands)
	return f, nil
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

func interfaces() ([]Interface, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	out := make([]Interface, 0, len(links))
	for _, l := range links {
		a := l.Attrs()
		ifc := Interface{Name: a.Name, MTU: a.MTU, Up: a.Flags&net.FlagUp != 0, Addrs: []string{}}
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
			if name := linkName(rt.LinkIndex); name != "" {
				return name
			}
		}
	}
	return ""
}

// ProbeLinkKinds reports which link kinds the kernel can create, by
// creating and deleting a throwaway link of each kind (the only reliable
// test: a kernel may have a kind built in or as a loadable module).
func ProbeLinkKinds() []string {
	var kinds []string
	la := func(name string) netlink.LinkAttrs {
		a := netlink.NewLinkAttrs()
		a.Name = name
		return a
	}
	probe := func(kind string, l netlink.Link) {
		if err := netlink.LinkAdd(l); err == nil {
			kinds = append(kinds, kind)
			netlink.LinkDel(l)
		}
	}
	probe("bridge", &netlink.Bridge{LinkAttrs: la(probeLinkName)})
	probe("vxlan", &netlink.Vxlan{LinkAttrs: la(probeLinkName), VxlanId: 4242, Port: 4789})
	probe("wireguard", &netlink.Wireguard{LinkAttrs: la(probeLinkName)})
	probe("gre", &netlink.Gretun{LinkAttrs: la(probeLinkName), Local: net.IPv4(203, 0, 113, 250), Remote: net.IPv4(203, 0, 113, 251)})
	probe("ipip", &netlink.Iptun{LinkAttrs: la(probeLinkName), Local: net.IPv4(203, 0, 113, 250), Remote: net.IPv4(203, 0, 113, 251)})
	probe("dummy", &netlink.Dummy{LinkAttrs: la(probeLinkName)})
	// The veth is kept while macvlan and vlan are probed on top of it.
	veth := &netlink.Veth{LinkAttrs: la(probeLinkName), PeerName: "drvprobe1"}
	if err := netlink.LinkAdd(veth); err != nil {
		return kinds
	}
	defer netlink.LinkDel(veth)
	kinds = append(kinds, "veth")
	parent, err := netlink.LinkByName(probeLinkName)
	if err != nil {
		return kinds
	}
	child := la("drvprobe2")
	child.ParentIndex = parent.Attrs().Index
	probe("macvlan", &netlink.Macvlan{LinkAttrs: child, Mode: netlink.MACVLAN_MODE_BRIDGE})
	probe("vlan", &netlink.Vlan{LinkAttrs: child, VlanId: 42})
	return kinds
}

// findCommands maps each program found in PATH, /usr/sbin or /sbin to
// its path.
func findCommands(names []string) map[string]string {
	found := map[string]string{}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			found[name] = p
			continue
		}
		for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				found[name] = p
				break
			}
		}
	}
	return found
}

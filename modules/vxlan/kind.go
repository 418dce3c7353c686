package vxlan

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/drover/drover/core"
	"github.com/drover/drover/lang"
	"github.com/zclconf/go-cty/cty"
)

// Name is the kind's name: `network "vxlan" "NAME"`.
const Name = "vxlan"

// limits of settings
const (
	minVNI, maxVNI = 1, 1<<24 - 1
)

// Network is a layer-2 overlay: one bridge per member joined by a VXLAN
// device, unicast (FDB head-end replication) unless Group is set.
type Network struct {
	Subnet     string // overlay subnet, CIDR
	Bridge     string // default "vxl0"
	VNI        int    // default 42, 1..16777215
	Port       int    // UDP port, default 4789
	Group      string // multicast group; "" = unicast peers
	MTU        int    // 0 = derived: link MTU - 50
	DHCP       bool   // dnsmasq on DHCPHost, default true
	DHCPHost   string // member server running dnsmasq, default the first member
	Domain     string // DNS domain, default "vxapp"
	Masquerade bool   // NAT from the overlay out through DHCPHost, default true
	Members    []lang.Member
}

// Kind describes `network "vxlan"` to lang.
func Kind() lang.NetworkKind {
	return lang.NetworkKind{
		Name: Name,
		Attrs: []lang.Attr{
			{Name: "subnet", Type: cty.String, Required: true, Example: `"100.64.10.0/24"`, Grammar: "cidr"},
			{Name: "bridge", Type: cty.String, Default: cty.StringVal("vxl0"), Example: `"vxl0"`, Grammar: "ifname"},
			{Name: "vni", Type: cty.Number, Default: cty.NumberIntVal(42), Example: "42"},
			{Name: "port", Type: cty.Number, Default: cty.NumberIntVal(4789), Example: "4789"},
			{Name: "group", Type: cty.String, Default: cty.StringVal(""), Example: `"239.1.1.1"`, Grammar: "ip"},
			{Name: "mtu", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "1450"},
			{Name: "dhcp", Type: cty.Bool, Default: cty.True, Example: "true"},
			{Name: "dhcp_host", Type: cty.String, Example: `"s1"`, Grammar: "server-ref", FirstMember: true},
			{Name: "domain", Type: cty.String, Default: cty.StringVal("vxapp"), Example: `"vxapp"`, Grammar: "domain"},
			{Name: "masquerade", Type: cty.Bool, Default: cty.True, Example: "true"},
			{Name: "servers", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Example: `["s1", "s2:eth1"]`, Grammar: "member"},
		},
		Assemble:    assemble,
		Validate:    validate,
		ValidateAll: validateAll,
	}
}

func assemble(d *lang.NetworkDecl) lang.NetworkSpec {
	return &Network{
		Subnet:     d.String("subnet"),
		Bridge:     d.String("bridge"),
		VNI:        d.Int("vni"),
		Port:       d.Int("port"),
		Group:      d.String("group"),
		MTU:        d.Int("mtu"),
		DHCP:       d.Bool("dhcp"),
		DHCPHost:   d.String("dhcp_host"),
		Domain:     d.String("domain"),
		Masquerade: d.Bool("masquerade"),
		Members:    d.Members(),
	}
}

func validate(d *lang.NetworkDecl, spec lang.NetworkSpec) {
	v := spec.(*Network)
	subnet, subnetOK := d.Subnet("subnet")
	if subnetOK {
		subnetOK = d.CheckIPv4Subnet("subnet", subnet, "dhcp", `"100.64.10.0/24"`)
	}
	d.CheckIfname("bridge", true, `"vxl0"`)
	d.CheckInt("vni", minVNI, maxVNI, "VNI out of range", "42")
	d.CheckPort("port", "4789")
	if addr, ok := d.Address("group"); ok && !(addr.Is4() && addr.IsMulticast()) {
		d.Problem("group", "Group is not multicast",
			fmt.Sprintf("%s is not an IPv4 multicast address (224.0.0.0/4). Write for example group = \"239.1.1.1\", or leave group out for unicast.", addr))
	}
	d.CheckMTU("mtu", "1450")
	d.CheckDomain("domain", `"vxapp"`)
	d.CheckMembers(v.Members, subnet, subnetOK)
	d.CheckDHCPHost(v.Members)
}

// validateAll reports two VXLAN networks sharing a server that would use
// the same bridge or the same (VNI, port), and a network bridge that is a
// member server's container bridge.
func validateAll(ds []*lang.NetworkDecl, specs []lang.NetworkSpec, c *lang.Cluster) {
	for j := range ds {
		b := specs[j].(*Network)
		for i := range ds[:j] {
			a := specs[i].(*Network)
			// VNI 0 is a value that could not be evaluated (VNIs start at
			// 1): its own error is reported already.
			sameBridge := a.Bridge == b.Bridge && a.Bridge != ""
			sameVNI := a.VNI == b.VNI && a.VNI != 0 && a.Port == b.Port
			if !sameBridge && !sameVNI {
				continue // no conflict, whatever servers they share: 200 networks are 20,000 pairs
			}
			common := commonServers(a.Members, b.Members)
			if len(common) == 0 {
				continue
			}
			on := strings.Join(common, ", ")
			if sameBridge {
				ds[j].Problem("bridge", "Bridge used by two networks", fmt.Sprintf(
					"Networks %q and %q (%s) both use bridge %q on %s. Give this network another bridge, for example bridge = %q.",
					ds[i].Name(), ds[j].Name(), lang.ShortPos(ds[i].Range()), b.Bridge, on, "vxl1"))
			}
			if sameVNI {
				ds[j].Problem("vni", "VNI used by two networks", fmt.Sprintf(
					"Networks %q and %q (%s) both use VNI %d on UDP port %d on %s. Give this network another vni, for example vni = %d.",
					ds[i].Name(), ds[j].Name(), lang.ShortPos(ds[i].Range()), b.VNI, b.Port, on, b.VNI+1))
			}
		}
		checkBridgeVsContainers(ds[j], b, c)
	}
}

func checkBridgeVsContainers(d *lang.NetworkDecl, v *Network, c *lang.Cluster) {
	for _, m := range v.Members {
		s := c.Server(m.Server)
		if s == nil || s.Local || s.Subnet == "" || s.Bridge != v.Bridge {
			continue
		}
		d.Problem("bridge", "Bridge used twice", fmt.Sprintf(
			"Network %q uses bridge %q, which is also the container bridge of server %q (%s). Give the network another bridge, for example bridge = \"vxl0\".",
			d.Name(), v.Bridge, s.Name, lang.ShortPos(s.DeclRange)))
		return
	}
}

func commonServers(a, b []lang.Member) []string {
	var common []string
	for _, m := range b {
		for _, o := range a {
			if o.Server == m.Server {
				common = append(common, m.Server)
				break
			}
		}
	}
	return common
}

// NetworkMembers are the overlay's servers.
func (v *Network) NetworkMembers() []lang.Member { return v.Members }

// Claims: the bridge's name on every member (two VXLAN networks'
// conflicts are validateAll's, with their own messages).
func (v *Network) Claims() []lang.Claim {
	return []lang.Claim{{What: "interface", Value: v.Bridge, Attr: "bridge", Hint: "Give one of them another bridge."}}
}

// AttachBridge is the bridge attachments join, with the overlay's subnet.
func (v *Network) AttachBridge() (bridge, subnet string) { return v.Bridge, v.Subnet }

// ContainerBridge is the bridge containers and jobs join, with the
// overlay's subnet.
func (v *Network) ContainerBridge() (bridge, subnet string) { return v.Bridge, v.Subnet }

// DHCPServer is the member running dnsmasq, when dhcp = true.
func (v *Network) DHCPServer() (server string, on bool) { return v.DHCPHost, v.DHCP }

// StaticMemberAddresses: a member's address sits on the overlay bridge,
// so no container may take it.
func (v *Network) StaticMemberAddresses() bool { return true }

// TopologyShape draws the overlay with its subnet and VNI.
func (v *Network) TopologyShape() (shape string, label []string) {
	return "ellipse", []string{v.Subnet, fmt.Sprintf("vni %d", v.VNI)}
}

// ShowMember is member m's row of `drover show networks`: the bridge and
// the VXLAN device, up when both exist and the bridge is up.
func (v *Network) ShowMember(_ context.Context, m lang.Member, _ *lang.Cluster, live core.Live) core.NetworkRow {
	row := core.NetworkRow{Subnet: v.Subnet, Bridge: v.Bridge, Device: Device(v)}
	if live == nil {
		return row
	}
	f := live.Facts()
	br, ok := f.Interface(row.Bridge)
	_, devOK := f.Interface(row.Device)
	switch {
	case !ok || !devOK:
		row.State = "absent"
	case br.Up:
		row.State = "up"
	default:
		row.State = "down"
	}
	row.MTU = br.MTU
	row.Address = strings.Join(br.Addrs, " ")
	return row
}

// Device is the VXLAN device's name for a network.
func Device(v *Network) string { return "vx" + strconv.Itoa(v.VNI) }

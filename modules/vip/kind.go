package vip

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/drover/drover/lang"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Decl is one `vip { ... }` block (addvip): a floating IPv4 address held by
// one of its servers at a time (keepalived, VRRP).
type Decl struct {
	Name    string // given, else "vip-A-B-C-D"
	Address string // IPv4 address
	Prefix  int    // prefix length on the interface, default 32
	Servers []Member
	// RouterID is the VRRP virtual router id, 1..255; default derived
	// from the address's last byte.
	RouterID  int
	Multicast bool // VRRP multicast; default unicast to the peers
	// Track is a command whose failure takes the holder out (keepalived
	// track script), "" = none.
	Track string
	// TrackInterval, TrackFall and TrackRise time the track script: it
	// runs every TrackInterval (whole seconds, default 1s); TrackFall
	// failures in a row take the server out, TrackRise successes bring it
	// back (default 2 each).
	TrackInterval  time.Duration
	TrackFall      int
	TrackRise      int
	AdvertInterval time.Duration // default 1s
	Interface      string        // "" = the interface holding each server's address

	DeclRange hcl.Range
}

// Member is one server of a VIP with its VRRP priority (the highest holds
// the address): `priorities`, else 150 for the first server, then 10 less
// for each next.
type Member struct {
	Server   string
	Priority int
}

// DeclName is the owner of v's resources on the hosts.
func (v *Decl) DeclName() string { return Owner(v) }

// limits of VRRP settings
const (
	minPriority, maxPriority = 1, 254
	minRouterID, maxRouterID = 1, 255
	// minAdvert is keepalived's smallest advert interval (VRRPv3
	// centiseconds).
	minAdvert = 10 * time.Millisecond
	// maxTrackInterval is keepalived's longest vrrp_script interval.
	maxTrackInterval = 4294 * time.Second
)

// Kind describes the `vip` block to lang.
func Kind() lang.BlockKind {
	return lang.BlockKind{
		Type: "vip",
		Noun: "VIP",
		Attrs: []lang.Attr{
			{Name: "name", Type: cty.String, Default: cty.StringVal(""), Example: `"vip1"`, Grammar: "ident"},
			{Name: "address", Type: cty.String, Required: true, Example: `"198.51.100.100"`, Grammar: "ip-or-cidr"},
			{Name: "servers", Type: cty.List(cty.String), Required: true, Example: `["s1", "s2"]`, Grammar: "server-ref"},
			{Name: "priorities", Type: cty.Map(cty.Number), Default: cty.MapValEmpty(cty.Number), Example: `{ s1 = 150, s2 = 100 }`},
			{Name: "router_id", Type: cty.Number, Default: cty.NumberIntVal(0), Example: "51"},
			{Name: "multicast", Type: cty.Bool, Default: cty.False, Example: "false"},
			{Name: "track", Type: cty.String, Default: cty.StringVal(""), Example: `"pidof haproxy"`, Grammar: "argv"},
			{Name: "advert_interval", Type: cty.String, Default: cty.StringVal("1s"), Example: `"1s"`, Grammar: "duration"},
			{Name: "track_interval", Type: cty.String, Default: cty.StringVal("1s"), Example: `"1s"`, Grammar: "duration"},
			{Name: "track_fall", Type: cty.Number, Default: cty.NumberIntVal(2), Example: "2"},
			{Name: "track_rise", Type: cty.Number, Default: cty.NumberIntVal(2), Example: "2"},
			{Name: "interface", Type: cty.String, Default: cty.StringVal(""), Example: `"eth0"`, Grammar: "ifname"},
		},
		Assemble: assemble,
		Validate: validateAll,
		Show:     showKind(),
	}
}

func assemble(d *lang.BlockDecl) lang.Decl {
	v := &Decl{DeclRange: d.Range(), Prefix: 32}
	v.Name = d.String("name")
	addr := d.String("address")
	v.Address = addr
	if p, err := netip.ParsePrefix(addr); err == nil {
		v.Address, v.Prefix = p.Addr().String(), p.Bits()
	}
	prios := d.NumberMap("priorities")
	for i, e := range d.List("servers", "string") {
		p, ok := prios[e.Value]
		if !ok {
			p = max(150-10*i, 1)
		}
		v.Servers = append(v.Servers, Member{Server: e.Value, Priority: p})
	}
	v.RouterID = d.Int("router_id")
	if ip, err := netip.ParseAddr(v.Address); err == nil && ip.Is4() && v.RouterID == 0 {
		v.RouterID = max(int(ip.As4()[3]), 1)
	}
	v.Multicast = d.Bool("multicast")
	v.Track = d.String("track")
	v.AdvertInterval = d.Duration("advert_interval")
	v.TrackInterval = d.Duration("track_interval")
	v.TrackFall = d.Int("track_fall")
	v.TrackRise = d.Int("track_rise")
	v.Interface = d.String("interface")
	if v.Name == "" && v.Address != "" {
		v.Name = "vip-" + strings.NewReplacer(".", "-", ":", "-").Replace(v.Address)
	}
	return v
}

func validateAll(ds []*lang.BlockDecl, decls []lang.Decl, c *lang.Cluster) {
	vips := make([]*Decl, len(decls))
	for i, d := range ds {
		vips[i] = decls[i].(*Decl)
		validate(d, vips[i], c)
	}
	checkRouterIDs(ds, vips)
}

func validate(d *lang.BlockDecl, v *Decl, c *lang.Cluster) {
	d.ClaimName("name", v.Name, "VIP")
	if s, ok := d.StringOK("address"); ok {
		if summary, detail := addressProblem(s); summary != "" {
			d.Problem("address", summary, detail)
		}
	}
	entries := d.List("servers", "server name")
	if len(entries) == 0 && d.IsKnown("servers") {
		d.Problem("servers", "VIP has no servers", `A VIP floats over servers: list them, for example servers = ["s1", "s2"].`)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !d.UnknownServer("servers", e.Index, e.Value) && seen[e.Value] {
			d.ElementProblem("servers", e.Index, "Server listed twice", fmt.Sprintf("Server %q is listed twice in this VIP. List each server once.", e.Value))
		}
		seen[e.Value] = true
	}
	prios := d.NumberMap("priorities")
	for _, name := range slices.Sorted(maps.Keys(prios)) {
		prio := prios[name]
		if !seen[name] {
			d.Problem("priorities", "Priority for a server not in the VIP", fmt.Sprintf(
				"priorities names %q, which is not in servers. Name only servers of this VIP.", name))
		}
		if prio < minPriority || prio > maxPriority {
			d.Problem("priorities", "Priority out of range", fmt.Sprintf(
				"The priority of %q is %d; VRRP priorities are %d..%d, the highest holding the VIP. Write for example priorities = { %s = 200 }.",
				name, prio, minPriority, maxPriority, name))
		}
	}
	if id, ok := d.IntOK("router_id"); ok && id != 0 {
		d.CheckRange("router_id", minRouterID, maxRouterID, "Router id out of range", "51")
	}
	if v.AdvertInterval != 0 && (v.AdvertInterval < minAdvert || v.AdvertInterval%minAdvert != 0 || v.AdvertInterval > 40*time.Second) {
		d.Problem("advert_interval", "Invalid advert interval", fmt.Sprintf(
			"VRRP advertises every 10ms to 40s, in steps of 10ms; %s is not one of those. Write for example advert_interval = \"1s\".", v.AdvertInterval))
	}
	d.CheckIfname("interface", false, `"eth0"`)
	validateTrackTiming(d, v)
	checkSubnet(d, v, c)
}

// checkSubnet reports a VIP outside the declared subnet of the bridge it
// goes on (interface = a network's bridge, or the members' container
// bridge); other interfaces' subnets are facts, checked at plan time.
func checkSubnet(d *lang.BlockDecl, v *Decl, c *lang.Cluster) {
	vip, err := netip.ParseAddr(v.Address)
	if v.Interface == "" || err != nil {
		return
	}
	for _, subnet := range c.BridgeSubnets(v.Interface, memberNames(v)) {
		p, err := netip.ParsePrefix(subnet.CIDR)
		if err != nil || p.Masked().Contains(vip) {
			continue
		}
		d.Problem("address", "VIP outside its interface's subnet", fmt.Sprintf(
			"%s goes on %s, which is %s's bridge with subnet %s; no neighbour there would reach the VIP. Pick an address in %s.",
			vip, v.Interface, subnet.Owner, p.Masked(), p.Masked()))
		return
	}
}

// validateTrackTiming checks track_interval (whole seconds, 1s..4294s:
// keepalived's vrrp_script interval), track_fall and track_rise (1..255),
// and that they time a track script.
func validateTrackTiming(d *lang.BlockDecl, v *Decl) {
	if v.TrackInterval != 0 && (v.TrackInterval%time.Second != 0 || v.TrackInterval < time.Second || v.TrackInterval > maxTrackInterval) {
		d.Problem("track_interval", "Invalid track interval", fmt.Sprintf(
			"keepalived runs a track script every 1 to 4294 whole seconds; %s is not one of those. Write for example track_interval = \"1s\", and lower track_fall to react sooner.", v.TrackInterval))
	}
	for _, k := range []string{"track_fall", "track_rise"} {
		d.CheckRange(k, 1, 255, "Track count out of range", "2")
	}
	if v.Track != "" {
		return
	}
	for _, k := range []string{"track_interval", "track_fall", "track_rise"} {
		if d.IsSet(k) {
			d.Problem(k, "Track timing without track", fmt.Sprintf(
				"%s times the track script, and this VIP has none. Add track = \"/usr/bin/pgrep -x haproxy\", or remove %s.", k, k))
		}
	}
}

// addressProblem says what is wrong with a VIP address, "" when nothing.
func addressProblem(s string) (summary, detail string) {
	addr := s
	if p, err := netip.ParsePrefix(s); err == nil {
		addr = p.Addr().String()
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return "Invalid VIP address", fmt.Sprintf("%q is not an IPv4 address (optionally with a prefix length); write for example address = \"198.51.100.100\" or \"198.51.100.100/24\".", s)
	}
	if !a.Is4() {
		return "Invalid VIP address", fmt.Sprintf("%s is not IPv4; drover's VIPs are IPv4 (VRRPv2/3), for example address = \"198.51.100.100\".", a)
	}
	return "", ""
}

// checkRouterIDs reports two VIPs with the same VRRP router id on a
// common server: their advertisements would be taken for each other's.
func checkRouterIDs(ds []*lang.BlockDecl, vips []*Decl) {
	for j, b := range vips {
		for _, a := range vips[:j] {
			if a.RouterID != b.RouterID || a.RouterID == 0 || !shareServer(a.Servers, b.Servers) {
				continue
			}
			attr := "router_id"
			if !ds[j].IsSet(attr) {
				attr = "address"
			}
			ds[j].Problem(attr, "Router id used twice", fmt.Sprintf(
				"VIPs %q and %q (%s) share a server and both use VRRP router id %d (derived from the address's last byte unless set). Set router_id = %d on this one.",
				a.Name, b.Name, lang.ShortPos(a.DeclRange), b.RouterID, b.RouterID%maxRouterID+1))
		}
	}
}

func shareServer(a, b []Member) bool {
	for _, m := range a {
		if slices.ContainsFunc(b, func(o Member) bool { return o.Server == m.Server }) {
			return true
		}
	}
	return false
}

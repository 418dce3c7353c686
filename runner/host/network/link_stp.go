package network

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Spanning tree settings of a bridge link (stp_state, forward_delay,
// hello_time, max_age, priority), set and read through rtnetlink's
// IFLA_BR_* attributes: the netlink package models only a few of them.
// Times are whole seconds in drover's attributes and centiseconds
// (clock_t) in the kernel's.

// stpAttr is one spanning tree setting: its IFLA_BR_ type, whether it is
// a time (seconds ↔ centiseconds) and its width in bytes.
type stpAttr struct {
	typ   uint16
	time  bool
	bytes int
}

// stpAttrs are the settings in the order the kernel applies them (times
// before stp_state, which checks them against the 802.1D ranges).
var stpAttrs = []struct {
	name string
	stpAttr
}{
	{"forward_delay", stpAttr{nl.IFLA_BR_FORWARD_DELAY, true, 4}},
	{"hello_time", stpAttr{nl.IFLA_BR_HELLO_TIME, true, 4}},
	{"max_age", stpAttr{nl.IFLA_BR_MAX_AGE, true, 4}},
	{"stp_state", stpAttr{nl.IFLA_BR_STP_STATE, false, 4}},
	{"priority", stpAttr{nl.IFLA_BR_PRIORITY, false, 2}},
}

// BridgeSTP is a bridge's spanning tree state as the kernel reports it.
type BridgeSTP struct {
	Values   map[string]uint64 // stp_state, priority; times in seconds
	RootID   string            // "PPPP.MMMMMMMMMMMM", as /sys/class/net/BR/bridge/root_id
	BridgeID string            // this bridge's id, same format
}

// setBridgeSTP brings the bridge's spanning tree settings that attrs
// names to their values, in one RTM_NEWLINK; no-op when none is set or all
// are right already.
func setBridgeSTP(l netlink.Link, attrs map[string]string) error {
	if _, ok := l.(*netlink.Bridge); !ok {
		return nil
	}
	cur, err := ReadBridgeSTP(l.Attrs().Name)
	if err != nil {
		return err
	}
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("bridge"))
	data := info.AddRtAttr(nl.IFLA_INFO_DATA, nil)
	changed := false
	for _, a := range stpAttrs {
		s, set := attrs[a.name]
		if !set || s == "" {
			continue
		}
		v, err := strconv.ParseUint(s, 10, 8*a.bytes)
		if err != nil {
			return fmt.Errorf("bridge %s: attribute %s=%q is not a number", l.Attrs().Name, a.name, s)
		}
		if cur.Values[a.name] == v {
			continue
		}
		changed = true
		if a.time {
			v *= 100
		}
		if a.bytes == 2 {
			data.AddRtAttr(int(a.typ), nl.Uint16Attr(uint16(v)))
		} else {
			data.AddRtAttr(int(a.typ), nl.Uint32Attr(uint32(v)))
		}
	}
	if !changed {
		return nil
	}
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(l.Attrs().Index)
	req.AddData(msg)
	req.AddData(info)
	if _, err := req.Execute(unix.NETLINK_ROUTE, 0); err != nil {
		return fmt.Errorf("bridge %s: set spanning tree settings: %w", l.Attrs().Name, err)
	}
	return nil
}

// BridgeSTP is what the stp check asks of the link kind: bridge name's
// stp_state, priority, times (seconds), root_id and bridge_id.
func (linkKind) BridgeSTP(name string) (map[string]string, error) {
	st, err := ReadBridgeSTP(name)
	if err != nil {
		return nil, err
	}
	out := map[string]string{"root_id": st.RootID, "bridge_id": st.BridgeID}
	for k, v := range st.Values {
		out[k] = strconv.FormatUint(v, 10)
	}
	return out, nil
}

// readBridgeSTP puts the spanning tree settings that want names into
// actual.
func readBridgeSTP(index int, want, actual map[string]string) error {
	need := false
	for _, a := range stpAttrs {
		_, set := want[a.name]
		need = need || set
	}
	if !need {
		return nil
	}
	l, err := netlink.LinkByIndex(index)
	if err != nil {
		return err
	}
	st, err := ReadBridgeSTP(l.Attrs().Name)
	if err != nil {
		return err
	}
	for _, a := range stpAttrs {
		actual[a.name] = strconv.FormatUint(st.Values[a.name], 10)
	}
	return nil
}

// ReadBridgeSTP reads bridge name's spanning tree settings and the root
// bridge it agrees on.
func ReadBridgeSTP(name string) (BridgeSTP, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return BridgeSTP{}, err
	}
	if _, ok := l.(*netlink.Bridge); !ok {
		return BridgeSTP{}, fmt.Errorf("link %s is a %s, not a bridge", name, l.Type())
	}
	req := nl.NewNetlinkRequest(unix.RTM_GETLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(l.Attrs().Index)
	req.AddData(msg)
	msgs, err := req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK)
	if err != nil {
		return BridgeSTP{}, fmt.Errorf("bridge %s: read: %w", name, err)
	}
	if len(msgs) == 0 || len(msgs[0]) < unix.SizeofIfInfomsg {
		return BridgeSTP{}, fmt.Errorf("bridge %s: empty netlink answer", name)
	}
	return parseBridgeSTP(msgs[0][unix.SizeofIfInfomsg:])
}

// parseBridgeSTP reads the IFLA_BR_ attributes out of an RTM_NEWLINK
// message's attributes.
func parseBridgeSTP(b []byte) (BridgeSTP, error) {
	st := BridgeSTP{Values: map[string]uint64{}}
	data, err := nestedAttr(b, unix.IFLA_LINKINFO, nl.IFLA_INFO_DATA)
	if err != nil || data == nil {
		return st, err
	}
	attrs, err := nl.ParseRouteAttr(data)
	if err != nil {
		return st, err
	}
	for _, a := range attrs {
		for _, s := range stpAttrs {
			if a.Attr.Type != s.typ || len(a.Value) < s.bytes {
				continue
			}
			v := uint64(native16or32(a.Value, s.bytes))
			if s.time {
				v /= 100
			}
			st.Values[s.name] = v
		}
		switch a.Attr.Type {
		case nl.IFLA_BR_ROOT_ID:
			st.RootID = BridgeID(a.Value)
		case nl.IFLA_BR_BRIDGE_ID:
			st.BridgeID = BridgeID(a.Value)
		}
	}
	return st, nil
}

func native16or32(b []byte, n int) uint32 {
	if n == 2 {
		return uint32(binary.NativeEndian.Uint16(b))
	}
	return binary.NativeEndian.Uint32(b)
}

// nestedAttr finds attribute outer, then inner inside it.
func nestedAttr(b []byte, outer, inner uint16) ([]byte, error) {
	attrs, err := nl.ParseRouteAttr(b)
	if err != nil {
		return nil, err
	}
	for _, a := range attrs {
		if a.Attr.Type&^unix.NLA_F_NESTED != outer {
			continue
		}
		in, err := nl.ParseRouteAttr(a.Value)
		if err != nil {
			return nil, err
		}
		for _, i := range in {
			if i.Attr.Type&^unix.NLA_F_NESTED == inner {
				return i.Value, nil
			}
		}
	}
	return nil, nil
}

// BridgeID formats a struct ifla_bridge_id (2 bytes priority, 6 bytes
// MAC) the way sysfs does: "8000.0a1b2c3d4e5f".
func BridgeID(b []byte) string {
	if len(b) < 8 {
		return ""
	}
	return fmt.Sprintf("%02x%02x.%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
}

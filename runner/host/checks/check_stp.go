package checks

import (
	"fmt"
	"strconv"
	"time"

	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
)

// stpReader is the link kind's view of a bridge's spanning tree
// (network.linkKind.BridgeSTP): stp_state, root_id, bridge_id, ...
type stpReader interface {
	BridgeSTP(name string) (map[string]string, error)
}

// checkSTP proves that bridge attrs bridge runs spanning tree (stp_state
// 1) and agrees on the root bridge attrs root ("PPPP.MMMMMMMMMMMM", as
// /sys/class/net/BR/bridge/root_id; "" = any), retrying up to retry_ms
// while the tree converges (BPDUs every hello_time).
func checkSTP(kinds host.Kinds, attrs map[string]string) (bool, string) {
	k, ok := kinds["link"].(stpReader)
	if !ok {
		return false, "no link kind"
	}
	retry, _ := strconv.Atoi(attrs["retry_ms"])
	deadline := time.Now().Add(time.Duration(retry) * time.Millisecond)
	for {
		ok, detail := stpOnce(k, attrs["bridge"], attrs["root"])
		if ok || time.Now().After(deadline) {
			return ok, detail
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func stpOnce(k stpReader, bridge, root string) (bool, string) {
	st, err := k.BridgeSTP(bridge)
	if err != nil {
		return false, fmt.Sprintf("bridge %s: %v", bridge, err)
	}
	if st["stp_state"] != "1" {
		return false, fmt.Sprintf("bridge %s runs no kernel spanning tree (stp_state %s): a loop of its ports would storm", bridge, st["stp_state"])
	}
	if root != "" && st["root_id"] != root {
		return false, fmt.Sprintf("bridge %s (id %s) sees root %s, not the declared root %s: the tree has not converged, or a member is cut off",
			bridge, st["bridge_id"], st["root_id"], root)
	}
	return true, fmt.Sprintf("bridge %s: spanning tree on, root %s (this bridge %s)", bridge, st["root_id"], st["bridge_id"])
}

// checkQuiet proves that no broadcast storm runs through bridge attrs dev:
// over window_ms (default 1000) the bridge device receives at most
// max_packets (default 1000) packets. It counts the frames the bridge
// hands up to its own host, which a loop that spanning tree failed to
// break floods with every circulating broadcast, at tens of thousands a
// second; traffic between other hosts passing through the ports is not
// counted, and spanning tree's own hellos never reach the device. The
// busiest port is named in the detail.
func checkQuiet(attrs map[string]string) (bool, string) {
	dev := attrs["dev"]
	window, err1 := intAttr(attrs, "window_ms", 1000)
	limit, err2 := intAttr(attrs, "max_packets", 1000)
	if err1 != nil || err2 != nil {
		return false, fmt.Sprintf("quiet check: window_ms=%q max_packets=%q", attrs["window_ms"], attrs["max_packets"])
	}
	before, err := rxCounts(dev)
	if err != nil {
		return false, err.Error()
	}
	time.Sleep(time.Duration(window) * time.Millisecond)
	after, err := rxCounts(dev)
	if err != nil {
		return false, err.Error()
	}
	busiest, most := "", uint64(0)
	for name, n := range after {
		if d := n - before[name]; name != dev && d >= most {
			busiest, most = name, d
		}
	}
	got := after[dev] - before[dev]
	ports := ""
	if busiest != "" {
		ports = fmt.Sprintf("; busiest port %s +%d", busiest, most)
	}
	if got > uint64(limit) {
		return false, fmt.Sprintf("broadcast storm on %s: it received %d packets in %d ms (limit %d)%s: a loop is forwarding on both sides",
			dev, got, window, limit, ports)
	}
	return true, fmt.Sprintf("%s quiet: %d packets received in %d ms%s", dev, got, window, ports)
}

// rxCounts are the received packets of dev and of each of its ports.
func rxCounts(dev string) (map[string]uint64, error) {
	br, err := netlink.LinkByName(dev)
	if err != nil {
		return nil, fmt.Errorf("link %s: %v", dev, err)
	}
	links, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	for _, l := range links {
		a := l.Attrs()
		if (a.Index == br.Attrs().Index || a.MasterIndex == br.Attrs().Index) && a.Statistics != nil {
			out[a.Name] = a.Statistics.RxPackets
		}
	}
	return out, nil
}

func intAttr(attrs map[string]string, key string, def int) (int, error) {
	if attrs[key] == "" {
		return def, nil
	}
	return strconv.Atoi(attrs[key])
}

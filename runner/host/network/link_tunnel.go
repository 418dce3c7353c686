package network

import (
	"fmt"
	"strconv"

	"github.com/vishvananda/netlink"
)

// IPv4 tunnel links (gre, ipip: point-to-point layer 3; gretap: layer-2
// GRE, a bridge port) of the link kind: the attributes are documented on
// linkKind.

func isTunnelType(t string) bool { return t == "gre" || t == "ipip" || t == "gretap" }

// newTunnel builds the netlink link of a gre or ipip device. Path MTU
// discovery stays on (the kernel refuses a fixed TTL without it).
func newTunnel(la netlink.LinkAttrs, attrs map[string]string) (netlink.Link, error) {
	local, err := ipAttr(attrs, "local")
	if err != nil {
		return nil, err
	}
	remote, err := ipAttr(attrs, "remote")
	if err != nil {
		return nil, err
	}
	if local.To4() == nil || remote.To4() == nil {
		return nil, fmt.Errorf("%s tunnel %s: local and remote must both be IPv4 addresses (got %q and %q)",
			attrs["type"], la.Name, attrs["local"], attrs["remote"])
	}
	ttl, err := uint8Attr(attrs, "ttl")
	if err != nil {
		return nil, err
	}
	if attrs["type"] == "ipip" {
		if attrs["key"] != "" {
			return nil, fmt.Errorf("ipip tunnel %s: key is a GRE setting; an IPIP header has no key", la.Name)
		}
		return &netlink.Iptun{LinkAttrs: la, Local: local.To4(), Remote: remote.To4(), Ttl: ttl, PMtuDisc: 1}, nil
	}
	var key uint32
	if attrs["key"] != "" {
		k, err := strconv.ParseUint(attrs["key"], 10, 32)
		if err != nil || k == 0 {
			return nil, fmt.Errorf("%s tunnel %s: key=%q is not a number from 1 to 4294967295", attrs["type"], la.Name, attrs["key"])
		}
		key = uint32(k)
	}
	if attrs["type"] == "gretap" {
		return &netlink.Gretap{LinkAttrs: la, Local: local.To4(), Remote: remote.To4(), Ttl: ttl, PMtuDisc: 1, IKey: key, OKey: key}, nil
	}
	return &netlink.Gretun{LinkAttrs: la, Local: local.To4(), Remote: remote.To4(), Ttl: ttl, PMtuDisc: 1, IKey: key, OKey: key}, nil
}

// readTunnel reads back what newTunnel set.
func readTunnel(l netlink.Link, actual map[string]string) {
	switch t := l.(type) {
	case *netlink.Gretun:
		actual["local"], actual["remote"] = ipString(t.Local), ipString(t.Remote)
		actual["ttl"] = strconv.Itoa(int(t.Ttl))
		actual["key"] = ""
		if t.OKey != 0 {
			actual["key"] = strconv.FormatUint(uint64(t.OKey), 10)
		}
	case *netlink.Gretap:
		actual["local"], actual["remote"] = ipString(t.Local), ipString(t.Remote)
		actual["ttl"] = strconv.Itoa(int(t.Ttl))
		actual["key"] = ""
		if t.OKey != 0 {
			actual["key"] = strconv.FormatUint(uint64(t.OKey), 10)
		}
	case *netlink.Iptun:
		actual["local"], actual["remote"] = ipString(t.Local), ipString(t.Remote)
		actual["ttl"] = strconv.Itoa(int(t.Ttl))
	}
}

func uint8Attr(attrs map[string]string, key string) (uint8, error) {
	n, err := strconv.ParseUint(attrs[key], 10, 8)
	if err != nil {
		return 0, fmt.Errorf("attribute %s=%q is not a number from 0 to 255", key, attrs[key])
	}
	return uint8(n), nil
}

package network

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// fdbKind manages appended forwarding-database entries, as
// `bridge fdb append MAC dev DEV dst DST` does: on a VXLAN link each entry
// with the all-zero MAC is one more remote for head-end replication.
//
// Name: "DEV/DST". Attributes:
//   - dev: the link (default: the name's first part; replace)
//   - dst: the remote IP (default: the name's second part; replace)
//   - mac: the MAC address (default 00:00:00:00:00:00; replace)
type fdbKind struct{}

const zeroMAC = "00:00:00:00:00:00"

func (fdbKind) ReplaceOn() []string { return []string{"dev", "dst", "mac"} }

func (fdbKind) Defaults(r core.Resource) core.Resource {
	dev, dst, _ := strings.Cut(r.Name, "/")
	host.SetDefault(r.Attrs, "dev", dev)
	host.SetDefault(r.Attrs, "dst", dst)
	host.SetDefault(r.Attrs, "mac", zeroMAC)
	return r
}

func (fdbKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	want, err := fdbEntry(r.Attrs)
	if isLinkNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	found, err := hasFDBEntry(want)
	if err != nil || !found {
		return nil, false, err
	}
	return map[string]string{"dev": r.Attrs["dev"], "dst": r.Attrs["dst"], "mac": r.Attrs["mac"]}, true, nil
}

func (fdbKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	want, err := fdbEntry(r.Attrs)
	if err != nil {
		return nil, err
	}
	if err := netlink.NeighAppend(want); err != nil {
		return nil, fmt.Errorf("fdb append %s dev %s dst %s: %w", r.Attrs["mac"], r.Attrs["dev"], r.Attrs["dst"], err)
	}
	return nil, nil
}

func (fdbKind) Delete(r core.Resource, _ map[string]string) error {
	want, err := fdbEntry(r.Attrs)
	gone, err := delNeigh(want, err, fmt.Sprintf("fdb del %s dev %s dst %s", r.Attrs["mac"], r.Attrs["dev"], r.Attrs["dst"]))
	if gone || err != nil {
		return err
	}
	return flushLearned(want)
}

// delNeigh deletes the neighbour or FDB entry want (made from the
// resource's attributes, with makeErr). gone is true when its link is
// gone, so there is nothing left to delete; an entry already gone is not
// an error.
func delNeigh(want *netlink.Neigh, makeErr error, what string) (gone bool, err error) {
	if isLinkNotFound(makeErr) {
		return true, nil
	}
	if makeErr != nil {
		return false, makeErr
	}
	if err := netlink.NeighDel(want); err != nil && !errors.Is(err, syscall.ENOENT) {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return false, nil
}

// flushLearned removes the entries the device learned from a peer that is
// going away, so no frame is sent to it until they would have aged out.
func flushLearned(peer *netlink.Neigh) error {
	entries, err := netlink.NeighList(peer.LinkIndex, unix.AF_BRIDGE)
	if err != nil {
		return fmt.Errorf("fdb list: %w", err)
	}
	for i := range entries {
		e := &entries[i]
		if e.IP.Equal(peer.IP) && e.State&netlink.NUD_PERMANENT == 0 {
			if err := netlink.NeighDel(e); err != nil && !errors.Is(err, syscall.ENOENT) {
				return fmt.Errorf("fdb del learned %s dst %s: %w", e.HardwareAddr, e.IP, err)
			}
		}
	}
	return nil
}

func fdbEntry(attrs map[string]string) (*netlink.Neigh, error) {
	mac, err := net.ParseMAC(attrs["mac"])
	if err != nil {
		return nil, fmt.Errorf("attribute mac=%q: %w", attrs["mac"], err)
	}
	dst, err := ipAttr(attrs, "dst")
	if err != nil {
		return nil, err
	}
	link, err := netlink.LinkByName(attrs["dev"])
	if err != nil {
		return nil, err
	}
	return &netlink.Neigh{
		LinkIndex:    link.Attrs().Index,
		Family:       syscall.AF_BRIDGE,
		State:        netlink.NUD_PERMANENT | netlink.NUD_NOARP,
		Flags:        netlink.NTF_SELF,
		IP:           dst,
		HardwareAddr: mac,
	}, nil
}

func hasFDBEntry(want *netlink.Neigh) (bool, error) {
	entries, err := netlink.NeighList(want.LinkIndex, syscall.AF_BRIDGE)
	if err != nil {
		return false, fmt.Errorf("list fdb: %w", err)
	}
	for _, e := range entries {
		if e.LinkIndex == want.LinkIndex && e.HardwareAddr.String() == want.HardwareAddr.String() && e.IP.Equal(want.IP) {
			return true, nil
		}
	}
	return false, nil
}

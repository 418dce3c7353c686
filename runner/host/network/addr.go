package network

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/host"
	"github.com/vishvananda/netlink"
)

// addrKind manages IP addresses on links.
//
// Name: "DEV/CIDR" ("br100/100.64.10.1/24"). Attributes (both default to
// the parts of the name; changing either is another address):
//   - dev: the link holding the address
//   - cidr: the address with its prefix length, "100.64.10.1/24"
type addrKind struct{}

func (addrKind) ReplaceOn() []string { return []string{"dev", "cidr"} }

func (addrKind) Defaults(r core.Resource) core.Resource {
	dev, cidr, _ := strings.Cut(r.Name, "/")
	host.SetDefault(r.Attrs, "dev", dev)
	host.SetDefault(r.Attrs, "cidr", cidr)
	return r
}

func (addrKind) Read(r core.Resource, _ map[string]string) (map[string]string, bool, error) {
	link, addr, err := resolveAddr(r.Attrs)
	if isLinkNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	have, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return nil, false, fmt.Errorf("list addresses of %s: %w", r.Attrs["dev"], err)
	}
	for _, a := range have {
		if a.IPNet.String() == addr.IPNet.String() {
			return map[string]string{"dev": r.Attrs["dev"], "cidr": r.Attrs["cidr"]}, true, nil
		}
	}
	return nil, false, nil
}

func (addrKind) Apply(r core.Resource, _ bool, _ map[string]string) (map[string]string, error) {
	link, addr, err := resolveAddr(r.Attrs)
	if err != nil {
		return nil, err
	}
	if err := netlink.AddrReplace(link, addr); err != nil {
		return nil, fmt.Errorf("add %s to %s: %w", r.Attrs["cidr"], r.Attrs["dev"], err)
	}
	return nil, nil
}

func (addrKind) Delete(r core.Resource, _ map[string]string) error {
	link, addr, err := resolveAddr(r.Attrs)
	if isLinkNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	err = netlink.AddrDel(link, addr)
	if err != nil && !errors.Is(err, syscall.EADDRNOTAVAIL) && !errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("remove %s from %s: %w", r.Attrs["cidr"], r.Attrs["dev"], err)
	}
	return nil
}

func resolveAddr(attrs map[string]string) (netlink.Link, *netlink.Addr, error) {
	addr, err := netlink.ParseAddr(attrs["cidr"])
	if err != nil {
		return nil, nil, fmt.Errorf("attribute cidr=%q: %w", attrs["cidr"], err)
	}
	link, err := netlink.LinkByName(attrs["dev"])
	if err != nil {
		return nil, nil, err
	}
	return link, addr, nil
}

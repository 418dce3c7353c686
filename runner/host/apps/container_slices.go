package apps

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/safefs"
)

// Address slices (modules/container.Slice): an interface of an image
// runtime's container without a static address is
// "BRIDGE slice SLICE SUBNET [GATEWAY]": the runtime addresses it from
// SLICE, this server's own part of SUBNET (podman: the host-local IPAM
// range of drover's network; docker: the network's --ip-range).
type sliceNet struct {
	Bridge  string
	Slice   netip.Prefix // the server's slice
	Subnet  netip.Prefix // the network's subnet (the interface's netmask)
	Gateway string       // "" = none
}

// parseSliceNet parses a net.N value; ok is false when it is not a slice
// interface.
func parseSliceNet(v string) (n sliceNet, ok bool, err error) {
	f := strings.Fields(v)
	if len(f) < 2 || f[1] != "slice" {
		return sliceNet{}, false, nil
	}
	if len(f) < 4 || len(f) > 5 {
		return sliceNet{}, true, fmt.Errorf("%q: want \"BRIDGE slice SLICE SUBNET [GATEWAY]\"", v)
	}
	n.Bridge = f[0]
	if n.Slice, err = netip.ParsePrefix(f[2]); err != nil {
		return sliceNet{}, true, err
	}
	if n.Subnet, err = netip.ParsePrefix(f[3]); err != nil {
		return sliceNet{}, true, err
	}
	if n.Slice.Masked() != n.Slice || !n.Subnet.Contains(n.Slice.Addr()) || n.Slice.Bits() < n.Subnet.Bits() {
		return sliceNet{}, true, fmt.Errorf("%q: slice %s is not a block of subnet %s", v, n.Slice, n.Subnet)
	}
	if len(f) == 5 {
		n.Gateway = f[4]
	}
	return n, true, nil
}

// lastOf is the last address of an IPv4 prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= uint32(1)<<(32-p.Bits()) - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// sliceBook keeps, per container (file NAME.json in dir), the instance it
// runs and the address each of its slice interfaces holds ("net.N" ->
// address). An instance keeps its address when a new version replaces it
// (the new container, built aside, takes the old one's), and two
// instances never hold the same one.
type sliceBook struct{ dir string }

type sliceEntry struct {
	Instance  string            `json:"instance"`
	Addresses map[string]string `json:"addresses"`
}

func (b sliceBook) path(name string) string { return path.Join(b.dir, name+".json") }

func (b sliceBook) read(name string) (sliceEntry, bool) {
	data, err := host.ReadFile(b.path(name))
	if err != nil {
		return sliceEntry{}, false
	}
	var e sliceEntry
	return e, json.Unmarshal(data, &e) == nil
}

// entries are every container's entry, by name.
func (b sliceBook) entries() map[string]sliceEntry {
	out := map[string]sliceEntry{}
	files, _ := os.ReadDir(b.dir)
	for _, f := range files {
		if name, ok := strings.CutSuffix(f.Name(), ".json"); ok {
			if e, ok := b.read(name); ok {
				out[name] = e
			}
		}
	}
	return out
}

// choose is the address interface key of instance takes from slice: the
// one the instance already holds there, else the lowest no other
// instance holds.
func (b sliceBook) choose(instance, key string, slice netip.Prefix) (netip.Addr, error) {
	used := map[netip.Addr]bool{}
	var own netip.Addr
	names := []string{}
	all := b.entries()
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		e := all[name]
		for k, s := range e.Addresses {
			a, err := netip.ParseAddr(s)
			switch {
			case err != nil:
			case e.Instance != instance:
				used[a] = true
			case k == key && slice.Contains(a) && !own.IsValid():
				own = a
			}
		}
	}
	if own.IsValid() && !used[own] {
		return own, nil
	}
	for a := slice.Addr(); slice.Contains(a); a = a.Next() {
		if !used[a] {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("slice %s is full: every address is taken by another container", slice)
}

// record keeps the addresses container name (of instance) holds; none
// removes its entry.
func (b sliceBook) record(name, instance string, addrs map[string]string) error {
	if len(addrs) == 0 {
		return b.remove(name)
	}
	if err := host.Mkdirs(b.dir, 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(sliceEntry{Instance: instance, Addresses: addrs})
	if err != nil {
		return err
	}
	return host.WriteFileAtomic(b.path(name), data, host.RootFile(0o600))
}

// address is the address of container name's first slice interface, ""
// when it has none.
func (b sliceBook) address(name string) string {
	e, ok := b.read(name)
	if !ok {
		return ""
	}
	keys := netKeys(e.Addresses)
	if len(keys) == 0 {
		return ""
	}
	return e.Addresses[keys[0]]
}

func (b sliceBook) remove(name string) error {
	if err := safefs.Remove(b.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// rename moves container from's entry to to (none: nothing).
func (b sliceBook) rename(from, to string) error {
	if _, ok := b.read(from); !ok {
		return b.remove(to)
	}
	dir, err := safefs.OpenDir(b.dir)
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Rename(from+".json", to+".json")
}

package lang

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// naiveFirstOverlaps is what firstOverlaps must return: for each subnet,
// the first one declared before it that overlaps it, comparing every pair.
func naiveFirstOverlaps(subnets []subnetDecl) []int {
	first := make([]int, len(subnets))
	for j, b := range subnets {
		first[j] = -1
		for i, a := range subnets[:j] {
			if a.prefix.Overlaps(b.prefix) {
				first[j] = i
				break
			}
		}
	}
	return first
}

// randomPrefix draws from a small space so that random prefixes are often
// equal, nested or neighbours: IPv4, IPv6 and IPv4-mapped IPv6 (a family
// of its own), with a few short prefixes (/0, /1) that contain many.
func randomPrefix(r *rand.Rand) netip.Prefix {
	var addr netip.Addr
	var bits int
	switch r.IntN(4) {
	case 0, 1:
		addr = netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(4)), byte(r.IntN(256))})
		bits = r.IntN(33)
	case 2:
		var b [16]byte
		b[0], b[1] = 0xfd, byte(r.IntN(3))
		b[7], b[15] = byte(r.IntN(4)), byte(r.IntN(256))
		addr = netip.AddrFrom16(b)
		bits = r.IntN(129)
	default:
		addr = netip.AddrFrom16(netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), 0, byte(r.IntN(256))}).As16())
		bits = 96 + r.IntN(33)
	}
	if r.IntN(8) == 0 {
		bits = r.IntN(2)
	} else if bits < 8 && r.IntN(2) == 0 {
		bits += 16 // fewer very short prefixes, more nesting below them
	}
	return netip.PrefixFrom(addr, bits).Masked()
}

// TestFirstOverlapsMatchesNaive is a property test: on random sets of
// nested, equal and disjoint prefixes of both families, firstOverlaps
// names the same first overlapping subnet as comparing every pair.
func TestFirstOverlapsMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 3000 {
		n := r.IntN(40)
		if round%100 == 0 {
			n = 300 + r.IntN(300)
		}
		subnets := make([]subnetDecl, n)
		for i := range subnets {
			if i > 0 && r.IntN(6) == 0 {
				subnets[i].prefix = subnets[r.IntN(i)].prefix // an equal one
			} else {
				subnets[i].prefix = randomPrefix(r)
			}
			subnets[i].kind, subnets[i].name = blockServer, fmt.Sprint(i)
		}
		want := naiveFirstOverlaps(subnets)
		if got := firstOverlaps(subnets); !slices.Equal(got, want) {
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("round %d: subnet %d (%s): first overlap %d, want %d; subnets %v",
						round, j, subnets[j].prefix, got[j], want[j], prefixes(subnets))
				}
			}
		}
	}
}

// TestFirstOverlapsInvalid: an invalid prefix (the zero Prefix) overlaps
// nothing, as with netip.Prefix.Overlaps.
func TestFirstOverlapsInvalid(t *testing.T) {
	subnets := []subnetDecl{
		{prefix: netip.Prefix{}},
		{prefix: netip.MustParsePrefix("10.0.0.0/8")},
		{prefix: netip.Prefix{}},
		{prefix: netip.MustParsePrefix("10.1.0.0/16")},
		{prefix: netip.MustParsePrefix("0.0.0.0/0")},
		{prefix: netip.MustParsePrefix("::/0")},
		{prefix: netip.MustParsePrefix("::ffff:10.1.0.0/112")},
	}
	want := []int{-1, -1, -1, 1, 1, -1, 5}
	if got := firstOverlaps(subnets); !slices.Equal(got, want) || !slices.Equal(naiveFirstOverlaps(subnets), want) {
		t.Fatalf("firstOverlaps = %v, naive %v, want %v", got, naiveFirstOverlaps(subnets), want)
	}
}

func prefixes(subnets []subnetDecl) []netip.Prefix {
	out := make([]netip.Prefix, len(subnets))
	for i, s := range subnets {
		out[i] = s.prefix
	}
	return out
}

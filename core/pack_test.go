package core

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// viaPlain is rs as the helper reads their plain encoding.
func viaPlain(t testing.TB, rs []Resource) []Resource {
	t.Helper()
	var out []Resource
	if err := json.Unmarshal(AppendResourcesJSON(nil, rs), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// viaPacked is rs as the helper reads their packed encoding. It also
// holds the encoder to json.Marshal's encoding of what it wrote.
func viaPacked(t testing.TB, rs []Resource) []Resource {
	t.Helper()
	line := AppendPackedJSON(nil, rs)
	var p Packed
	if err := json.Unmarshal(line, &p); err != nil {
		t.Fatalf("%v in %s", err, line)
	}
	// Bytes are compared where strings are valid UTF-8; otherwise
	// what they decode to (U+FFFD for each invalid byte either way).
	again := reflected(t, p)
	var wrote, marshals any
	if err := json.Unmarshal(again, &marshals); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(line, &wrote); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(wrote, marshals) || (!bytes.Contains(line, []byte(`\ufffd`)) && !bytes.Equal(again, line)) {
		t.Fatalf("AppendPackedJSON wrote\n%s\njson.Marshal writes\n%s", line, again)
	}
	out, err := p.Unpack()
	if err != nil {
		t.Fatalf("%v in %s", err, line)
	}
	return out
}

// alikeResources are resources that share what a head holds in many
// ways and not in others: names made of values and not, nil and empty
// lists and maps, adversarial strings.
func alikeResources(rng *rand.Rand, n int) []Resource {
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	kinds := []string{"fdb", "neigh", "file", adversarial[rng.IntN(len(adversarial))]}
	values := append([]string{"vx1", "198.51.100.2", "02:00:00:00:00:01", "a/b", ""}, adversarial...)
	owners := [][]string{nil, {}, {"network.vx1"}, {"network.vx1", "server.s1"}}
	var rs []Resource
	for range n {
		if rng.IntN(6) == 0 {
			rs = append(rs, randomResource(rng))
			continue
		}
		r := Resource{Kind: pick(kinds), Owners: owners[rng.IntN(len(owners))]}
		switch rng.IntN(4) {
		case 0:
		case 1:
			r.Attrs = map[string]string{}
		default:
			r.Attrs = map[string]string{}
			for _, k := range []string{"dev", "dst", "mac", "ip"}[:1+rng.IntN(3)] {
				r.Attrs[k] = pick(values)
			}
		}
		var parts []string
		for _, v := range r.Attrs {
			if rng.IntN(2) == 0 {
				parts = append(parts, v)
			}
		}
		r.Name = strings.Join(parts, "/")
		if rng.IntN(5) == 0 {
			r.Name += pick([]string{"/", "x", "/x"})
		}
		if rng.IntN(3) == 0 {
			r.After = []string{"link/vx1"}
		}
		if rng.IntN(8) == 0 {
			r.Sensitive, r.Group, r.Refs = []string{"key"}, "job.web", map[string]string{"key": "s1:wireguard/wg0#public_key"}
		}
		rs = append(rs, r)
	}
	return rs
}

func TestPackedReadsAsPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	lists := [][]Resource{nil, {}, {{}}, planResources()}
	for range 300 {
		lists = append(lists, alikeResources(rng, rng.IntN(60)))
	}
	for _, rs := range lists {
		want, got := viaPlain(t, rs), viaPacked(t, rs)
		if len(want) == 0 && len(got) == 0 {
			continue // nil or empty: the request omits both
		}
		if !reflect.DeepEqual(got, want) {
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("resource %d of %d: packed reads %#v, plain %#v", i, len(want), got[i], want[i])
				}
			}
			t.Fatalf("packed reads %d resources, plain %d", len(got), len(want))
		}
	}
}

func TestPackedIsSmallForAlikeResources(t *testing.T) {
	rs := planResources()
	plain, packed := len(AppendResourcesJSON(nil, rs)), len(AppendPackedJSON(nil, rs))
	if packed*3 > plain {
		t.Fatalf("3,000 FDB entries: packed %d bytes, plain %d: want at most a third", packed, plain)
	}
	var p Packed
	if err := json.Unmarshal(AppendPackedJSON(nil, rs), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Heads) != 1 || len(p.Heads[0].NameFrom) != 3 {
		t.Fatalf("3,000 FDB entries alike but for dst: %d heads (want 1), the first's name from %v (want 3 values)", len(p.Heads), p.Heads[0].NameFrom)
	}
}

func TestUnpackedResourcesShareNothingMutable(t *testing.T) {
	rs := planResources()[:2]
	rs[0].Refs, rs[1].Refs = map[string]string{"a": "b"}, map[string]string{"a": "b"}
	out := viaPacked(t, rs)
	out[0].After = append(out[0].After, "link/other")
	out[0].Attrs["dst"], out[0].Refs["a"] = "changed", "changed"
	if out[1].After[0] != "link/vx1" || len(out[1].After) != 1 || out[1].Attrs["dst"] == "changed" || out[1].Refs["a"] != "b" {
		t.Fatalf("changing one unpacked resource changed another: %#v", out[1])
	}
}

func TestUnpackRefuses(t *testing.T) {
	head := func(h PackedHead) []PackedHead { return []PackedHead{h} }
	fdb := PackedHead{Kind: "fdb", Keys: []string{"dev", "dst"}, NameFrom: []int{0, 1}}
	for _, c := range []struct {
		p    Packed
		want string
	}{
		{Packed{Count: 2, Rows: [][]string{{"a", "b"}}, Use: []int{0}, Heads: head(fdb)}, "count 2, but 1 rows"},
		{Packed{Count: 1, Rows: [][]string{{"a", "b"}}, Use: []int{}, Heads: head(fdb)}, "and 0 heads used"},
		{Packed{Count: 1, Rows: [][]string{{"a", "b"}}, Use: []int{1}, Heads: head(fdb)}, "row 0 uses head 1 of 1"},
		{Packed{Count: 1, Rows: [][]string{{"a", "b"}}, Use: []int{-1}, Heads: head(fdb)}, "row 0 uses head -1 of 1"},
		{Packed{Count: 1, Rows: [][]string{{"a"}}, Use: []int{0}, Heads: head(fdb)}, "row 0: 1 values, its head has 2"},
		{Packed{Count: 1, Rows: [][]string{{"a"}}, Use: []int{0}, Heads: head(PackedHead{Keys: []string{"a"}})}, "row 0: 1 values, its head has 2"},
		{Packed{Count: 0, Heads: head(PackedHead{Keys: []string{"a"}, NameFrom: []int{1}})}, "head 0: a name made of key 1 of 1"},
		{Packed{Count: 0, Heads: head(PackedHead{Keys: []string{"a"}, NameFrom: []int{-1}})}, "a name made of key -1 of 1"},
		{Packed{Count: 0, Heads: head(PackedHead{Keys: []string{"a"}, NameFrom: make([]int, 9)})}, "a name of 9 parts"},
	} {
		_, err := c.p.Unpack()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Unpack(%+v) = %v, want an error containing %q", c.p, err, c.want)
		}
	}
}

func FuzzPacked(f *testing.F) {
	for _, s := range adversarial {
		f.Add(s, s, s)
	}
	f.Add("vx1", "198.51.100.2", "vx1/198.51.100.2")
	f.Fuzz(func(t *testing.T, a, b, name string) {
		attrs := map[string]string{"a": a, "b": b}
		rs := []Resource{
			{Kind: "k", Name: name, Attrs: attrs, Owners: []string{a}},
			{Kind: "k", Name: a + "/" + b, Attrs: attrs, Owners: []string{a}},
			{Kind: "k", Name: b + "/" + a, Attrs: map[string]string{"a": b, "b": a}, Owners: []string{a}},
			{Kind: "k", Name: name, Attrs: map[string]string{"a": name}, After: []string{b}},
		}
		if got, want := viaPacked(t, rs), viaPlain(t, rs); !reflect.DeepEqual(got, want) {
			t.Fatalf("packed reads %#v, plain %#v", got, want)
		}
	})
}

package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// plainResource is Resource as encoding/json writes it by reflection,
// even should Resource ever have a MarshalJSON: the encoding every
// encoder here must match.
type plainResource Resource

func reflected(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func plain(rs []Resource) []plainResource {
	if rs == nil {
		return nil
	}
	out := make([]plainResource, len(rs))
	for i, r := range rs {
		out[i] = plainResource(r)
	}
	return out
}

// adversarial are strings whose encodings differ from their bytes.
var adversarial = []string{
	"", "plain", `"quoted"`, `back\slash`, "<script>&amp;</script>", "\x00\x01\x07\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f\x20\x7f",
	"\x80", "\xff", "a\xc3", "\xc3\x28", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf0\x9f\x98", "\xc0\xaf",
	"\u2028\u2029", "a\u2028b\u2029c", "\ufffd", "\xef\xbf\xbd", "héllo wörld", "日本語", "😀 emoji", "\U0010ffff",
	"\u2027\u202a", Unknown, Sensitive, "tab\tnewline\ncr\r", "end\\",
}

func randomString(rng *rand.Rand) string {
	if rng.IntN(4) == 0 {
		return adversarial[rng.IntN(len(adversarial))]
	}
	n := rng.IntN(24)
	var b strings.Builder
	for range n {
		switch rng.IntN(6) {
		case 0:
			b.WriteByte(byte(rng.IntN(256))) // any byte, often invalid UTF-8
		case 1:
			b.WriteByte(byte(rng.IntN(0x80))) // any ASCII, controls included
		case 2:
			b.WriteRune(rune(rng.IntN(0x110000))) // any code point (surrogates become U+FFFD)
		case 3:
			b.WriteString([]string{"<", ">", "&", `"`, `\`, "\u2028", "\u2029", "\x7f"}[rng.IntN(8)])
		default:
			b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789/.:-_ "[rng.IntN(42)])
		}
	}
	return b.String()
}

func randomStrings(rng *rand.Rand) []string {
	switch rng.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, rng.IntN(5)+1)
	for i := range out {
		out[i] = randomString(rng)
	}
	return out
}

func randomMap(rng *rand.Rand) map[string]string {
	switch rng.IntN(5) {
	case 0:
		return nil
	case 1:
		return map[string]string{}
	}
	n := rng.IntN(8) + 1
	if rng.IntN(8) == 0 {
		n = 20 + rng.IntN(30) // more keys than the scratch space holds
	}
	m := make(map[string]string, n)
	for range n {
		m[randomString(rng)] = randomString(rng)
	}
	return m
}

func randomResource(rng *rand.Rand) Resource {
	r := Resource{Kind: randomString(rng), Name: randomString(rng), Attrs: randomMap(rng),
		Owners: randomStrings(rng), After: randomStrings(rng), Sensitive: randomStrings(rng), Refs: randomMap(rng)}
	if rng.IntN(2) == 0 {
		r.Group = randomString(rng)
	}
	return r
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := AppendJSONString(nil, s), reflected(t, s); !bytes.Equal(got, want) {
			t.Errorf("AppendJSONString(%q) = %s, json.Marshal: %s", s, got, want)
		}
	}
	for _, s := range adversarial {
		check(s)
		check(s + "x" + s)
	}
	for b := range 256 {
		check(string([]byte{byte(b)}))
		check("a" + string([]byte{byte(b)}) + "z")
	}
	for c := rune(0); c < 0x3000; c++ { // controls, Latin, the separators and their neighbours
		check(string(c))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		check(randomString(rng))
	}
}

func TestResourceJSONMatchesEncodingJSON(t *testing.T) {
	// appendJSON writes these fields, in this order, with these tags.
	var fields []string
	typ := reflect.TypeFor[Resource]()
	for i := range typ.NumField() {
		fields = append(fields, typ.Field(i).Name+" "+typ.Field(i).Tag.Get("json"))
	}
	want := []string{"Kind kind", "Name name", "Attrs attrs", "Owners owners", "After after,omitempty",
		"Sensitive sensitive,omitempty", "Group group,omitempty", "Refs refs,omitempty"}
	if !slices.Equal(fields, want) {
		t.Fatalf("Resource's fields are %q: make appendJSON (json.go) encode them as encoding/json does, then update this list", fields)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	fixed := []Resource{
		{},
		{Kind: "link", Name: "vxl0", Attrs: map[string]string{"type": "bridge", "mtu": "1450", "up": "true"}, Owners: []string{"network.vx1"}},
		{Kind: "file", Name: "/etc/x", Attrs: map[string]string{}, Owners: []string{}, After: []string{}, Sensitive: []string{}, Refs: map[string]string{}},
		{Kind: "wireguard", Name: "wg0", Attrs: map[string]string{"peer": Unknown}, Owners: []string{"a", "b"},
			After: []string{"s1:wireguard/wg0"}, Sensitive: []string{"key"}, Group: "job.web", Refs: map[string]string{"peer": "s1:wireguard/wg0#public_key"}},
	}
	for range 5000 {
		fixed = append(fixed, randomResource(rng))
	}
	for _, r := range fixed {
		want := reflected(t, plainResource(r))
		if got := r.AppendJSON([]byte("prefix")); !bytes.Equal(got[len("prefix"):], want) {
			t.Fatalf("AppendJSON of %#v:\n%s\njson.Marshal:\n%s", r, got[len("prefix"):], want)
		}
	}
	for _, rs := range [][]Resource{nil, {}, fixed[:1], fixed[:7], fixed[:16], fixed[:17], fixed} {
		if got, want := AppendResourcesJSON(nil, rs), reflected(t, plain(rs)); !bytes.Equal(got, want) {
			t.Fatalf("AppendResourcesJSON of %d resources differs from json.Marshal", len(rs))
		}
	}
}

func TestResourceJSONDecodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		r := randomResource(rng)
		var back, want plainResource
		if err := json.Unmarshal(r.AppendJSON(nil), &back); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(reflected(t, plainResource(r)), &want); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(back) != fmt.Sprint(want) {
			t.Fatalf("decoded %v, want %v", back, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range adversarial {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, k, v string) {
		if got, want := AppendJSONString(nil, k), reflected(t, k); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSONString(%q) = %s, json.Marshal: %s", k, got, want)
		}
		r := Resource{Kind: k, Name: v, Attrs: map[string]string{k: v, v: k, "x" + k: v}, Owners: []string{k, v}, Refs: map[string]string{v: k}}
		if got, want := r.AppendJSON(nil), reflected(t, plainResource(r)); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON(%#v) = %s, json.Marshal: %s", r, got, want)
		}
		if !utf8.Valid(AppendJSONString(nil, k)) {
			t.Fatalf("AppendJSONString(%q) is not UTF-8", k)
		}
	})
}

// planResources are about a VXLAN member's plan request: ~3,000
// resources of a few attributes each.
func planResources() []Resource {
	rs := make([]Resource, 0, 3000)
	owners := []string{"network.vx1"}
	for i := range 3000 {
		peer := fmt.Sprintf("198.51.100.%d", i%250+1)
		rs = append(rs, Resource{Kind: "fdb", Name: "vx1/" + peer + "/02:00:00:00:00:01",
			Attrs:  map[string]string{"dev": "vx1", "mac": "02:00:00:00:00:01", "dst": peer},
			Owners: owners, After: []string{"link/vx1"}})
	}
	return rs
}

func BenchmarkResourcesJSON(b *testing.B) {
	rs := planResources()
	b.Run("encoding-json", func(b *testing.B) {
		p := plain(rs)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			AppendResourcesJSON(nil, rs)
		}
	})
}

// unlikeResources are about a small server's plan request: 28
// resources, each of its own declaration.
func unlikeResources() []Resource {
	var rs []Resource
	for i := range 28 {
		rs = append(rs, Resource{Kind: []string{"file", "directory", "line", "sysctl"}[i%4], Name: fmt.Sprintf("/etc/drover/generic-%d.conf", i),
			Attrs:  map[string]string{"content": "a generic file of some length\n", "mode": "0644", "owner": "root", "group": "root"},
			Owners: []string{fmt.Sprintf("file.generic%d", i)}, After: []string{"directory//etc/drover"}})
	}
	return rs
}

func BenchmarkPackedJSON(b *testing.B) {
	rs := planResources()
	b.Run("pack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			AppendPackedJSON(nil, rs)
		}
	})
	unlike := unlikeResources()
	b.Run("plain-unlike", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			AppendResourcesJSON(nil, unlike)
		}
	})
	b.Run("pack-unlike", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			AppendPackedJSON(nil, unlike)
		}
	})
	b.Run("decode-plain", func(b *testing.B) {
		line := AppendResourcesJSON(nil, rs)
		b.ReportAllocs()
		for b.Loop() {
			var out []Resource
			if err := json.Unmarshal(line, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unpack", func(b *testing.B) {
		line := AppendPackedJSON(nil, rs)
		b.ReportAllocs()
		for b.Loop() {
			var p Packed
			if err := json.Unmarshal(line, &p); err != nil {
				b.Fatal(err)
			}
			if _, err := p.Unpack(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

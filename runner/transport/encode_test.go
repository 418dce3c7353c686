package transport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/drover/drover/core"
	"github.com/drover/drover/runner/helper"
)

var oddStrings = []string{"", "a", "<&>", `"\`, "\x00\n\t\x7f", "\xff\xc3", "\u2028\u2029", "é😀", core.Unknown}

func oddString(rng *rand.Rand) string {
	if rng.IntN(3) == 0 {
		return oddStrings[rng.IntN(len(oddStrings))]
	}
	b := make([]byte, rng.IntN(12))
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return string(b)
}

func oddList(rng *rand.Rand) []string {
	if rng.IntN(3) == 0 {
		return nil
	}
	out := make([]string, rng.IntN(4))
	for i := range out {
		out[i] = oddString(rng)
	}
	return out
}

func oddMap(rng *rand.Rand) map[string]string {
	if rng.IntN(4) == 0 {
		return nil
	}
	m := map[string]string{}
	for range rng.IntN(30) {
		m[oddString(rng)] = oddString(rng)
	}
	return m
}

func oddResources(rng *rand.Rand, n int) []core.Resource {
	rs := make([]core.Resource, n)
	for i := range rs {
		rs[i] = core.Resource{Kind: oddString(rng), Name: oddString(rng), Attrs: oddMap(rng), Owners: oddList(rng),
			After: oddList(rng), Sensitive: oddList(rng), Group: oddString(rng), Refs: oddMap(rng)}
	}
	return rs
}

// encodeRequest writes what json.Marshal writes of the request with its
// resources packed, whatever it holds, and the helper reads back what
// json.Marshal of the request would have told it.
func TestEncodeRequestReadsAsSent(t *testing.T) {
	// encodeRequest writes op and the packed resources first: they must
	// stay the first fields, op never omitted, the others omitted when
	// empty.
	typ := reflect.TypeFor[helper.Request]()
	if typ.Field(0).Name != "Op" || typ.Field(0).Tag.Get("json") != "op" ||
		typ.Field(1).Name != "Resources" || typ.Field(1).Tag.Get("json") != "resources,omitempty" ||
		typ.Field(2).Name != "Packed" || typ.Field(2).Tag.Get("json") != "packed,omitempty" {
		t.Fatalf("helper.Request begins with %s %q, %s %q, %s %q: encodeRequest must follow",
			typ.Field(0).Name, typ.Field(0).Tag, typ.Field(1).Name, typ.Field(1).Tag, typ.Field(2).Name, typ.Field(2).Tag)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	reqs := []helper.Request{
		{}, {Op: helper.OpPing}, {Op: helper.OpPlan, Resources: []core.Resource{}},
		{Op: helper.OpPlan, Resources: []core.Resource{{Kind: "link", Name: "vxl0"}}}, planRequest(),
	}
	for range 300 {
		req := helper.Request{Op: oddString(rng), Resources: oddResources(rng, rng.IntN(40)), Owners: oddList(rng)}
		if rng.IntN(3) == 0 {
			req.Changes = []core.Change{{Action: core.Update, Resource: oddResources(rng, 1)[0],
				Fields: []core.FieldChange{{Name: oddString(rng), Old: oddString(rng), New: oddString(rng)}}}}
			req.Fingerprint, req.Generation, req.Reason = oddString(rng), oddString(rng), oddString(rng)
			req.WindowMS = rng.Int64N(100000)
		}
		if rng.IntN(3) == 0 {
			req.Checks = []core.Check{{Kind: oddString(rng), Attrs: oddMap(rng), Owner: oddString(rng), Members: oddList(rng)}}
			req.Holder = oddString(rng)
		}
		req.Brief, req.ShowOnly = rng.IntN(2) == 0, rng.IntN(2) == 0
		reqs = append(reqs, req)
	}
	for _, req := range reqs {
		got, err := encodeRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		var packed, back, want helper.Request
		if err := json.Unmarshal(got, &packed); err != nil {
			t.Fatalf("%v: %s", err, got)
		}
		if len(req.Resources) > 0 && (packed.Packed == nil || packed.Resources != nil) {
			t.Fatalf("encodeRequest did not pack the resources: %s", got)
		}
		again, err := json.Marshal(packed)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, again, got) {
			t.Fatalf("encodeRequest(%#v):\n%s\njson.Marshal of what it reads as:\n%s", req, got, again)
		}
		mustDecode(t, got, &back)
		if err := back.Unpack(); err != nil {
			t.Fatal(err)
		}
		plain, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		mustDecode(t, plain, &want)
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("encodeRequest(%#v) reads as\n%#v\nits plain encoding as\n%#v", req, back, want)
		}
	}
}

// sameJSON reports whether a and b are the same JSON: byte for byte, or
// where either holds invalid UTF-8 (read as U+FFFD), the same values.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	mustDecode(t, a, &va)
	mustDecode(t, b, &vb)
	return reflect.DeepEqual(va, vb) && bytes.Contains(b, []byte(`\ufffd`))
}

func mustDecode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
}

// planRequest is about a VXLAN member's plan request: ~3,000 resources.
func planRequest() helper.Request {
	rs := make([]core.Resource, 0, 3000)
	owners := []string{"network.vx1"}
	for i := range 3000 {
		peer := fmt.Sprintf("198.51.100.%d", i%250+1)
		rs = append(rs, core.Resource{Kind: "fdb", Name: "vx1/" + peer + "/02:00:00:00:00:01",
			Attrs:  map[string]string{"dev": "vx1", "mac": "02:00:00:00:00:01", "dst": peer},
			Owners: owners, After: []string{"link/vx1"}})
	}
	return helper.Request{Op: helper.OpPlan, Resources: rs, Owners: []string{"network.vx1", "server.s1"}}
}

func BenchmarkEncodePlanRequest(b *testing.B) {
	req := planRequest()
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encodeRequest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeRequest(req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

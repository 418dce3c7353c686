package core

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The packed encoding of a list of resources, for plan requests: a VXLAN
// member of 20 networks of 50 sends ~3,000 FDB and neighbour entries that
// differ only in two or three values, and written one by one each repeats
// its kind, its attribute names, its owners, its After list and its name
// (made of its values). Packed writes what resources share once, as a
// PackedHead, and each resource as a row of values that names its head:
// a third of the bytes for such a host, the same for a host of unlike
// resources. Unpack gives back exactly the resources json.Unmarshal gives
// for their plain encoding (AppendResourcesJSON), nil and empty told
// apart (pack_test.go holds it to that).

// Packed is a list of resources in the packed encoding.
type Packed struct {
	// Count is how many resources there are: len(Rows) and len(Use).
	// The encoder writes it first, so a reader can take it from the head
	// of a request without reading on.
	Count int `json:"count"`
	// Rows are the resources' values: the values of their head's Keys,
	// in order, then the name when the head has no NameFrom.
	Rows [][]string `json:"rows"`
	// Use is each row's head, an index into Heads.
	Use   []int        `json:"use"`
	Heads []PackedHead `json:"heads"`
}

// PackedHead is what the resources of a head share: everything but their
// names and attribute values, and how a name is made of the values.
type PackedHead struct {
	Kind string `json:"kind"`
	// Keys are the attribute names, in byte order (of the names as
	// sent); null for resources whose Attrs is nil.
	Keys []string `json:"keys"`
	// NameFrom, when set, makes a resource's name from its values: those
	// of the keys at these indexes, joined by "/". Otherwise the name is
	// the row's last value.
	NameFrom  []int             `json:"name_from,omitempty"`
	Owners    []string          `json:"owners"`
	After     []string          `json:"after,omitempty"`
	Sensitive []string          `json:"sensitive,omitempty"`
	Group     string            `json:"group,omitempty"`
	Refs      map[string]string `json:"refs,omitempty"`
}

// maxNameParts bounds how many values a head's NameFrom joins.
const maxNameParts = 8

// Unpack returns the resources p encodes, or an error naming the first
// row or head that does not add up. Resources of one head share its
// Owners, After and Sensitive (clipped: appending copies); each has its
// own Attrs and Refs.
func (p *Packed) Unpack() ([]Resource, error) {
	if p.Count != len(p.Rows) || p.Count != len(p.Use) {
		return nil, fmt.Errorf("packed resources: count %d, but %d rows and %d heads used", p.Count, len(p.Rows), len(p.Use))
	}
	for i := range p.Heads {
		if err := p.Heads[i].check(); err != nil {
			return nil, fmt.Errorf("packed resources: head %d: %w", i, err)
		}
	}
	out := make([]Resource, len(p.Rows))
	for i, row := range p.Rows {
		h := p.Use[i]
		if h < 0 || h >= len(p.Heads) {
			return nil, fmt.Errorf("packed resources: row %d uses head %d of %d", i, h, len(p.Heads))
		}
		r, err := p.Heads[h].resource(row)
		if err != nil {
			return nil, fmt.Errorf("packed resources: row %d: %w", i, err)
		}
		out[i] = r
	}
	return out, nil
}

// check reports a head no encoder writes: a name made of keys it does
// not have. Keys are in the byte order of the names before encoding; a
// name that is not valid UTF-8 reads as U+FFFD, so two names can read
// the same, the later value winning, as in a plain attrs object.
func (h *PackedHead) check() error {
	if len(h.NameFrom) > maxNameParts {
		return fmt.Errorf("a name of %d parts: at most %d", len(h.NameFrom), maxNameParts)
	}
	for _, k := range h.NameFrom {
		if k < 0 || k >= len(h.Keys) {
			return fmt.Errorf("a name made of key %d of %d", k, len(h.Keys))
		}
	}
	return nil
}

// resource is the resource of one row of h.
func (h *PackedHead) resource(row []string) (Resource, error) {
	want := len(h.Keys)
	if len(h.NameFrom) == 0 {
		want++
	}
	if len(row) != want {
		return Resource{}, fmt.Errorf("%d values, its head has %d", len(row), want)
	}
	r := Resource{Kind: h.Kind, Owners: slices.Clip(h.Owners), After: slices.Clip(h.After), Sensitive: slices.Clip(h.Sensitive), Group: h.Group}
	if h.Keys != nil {
		r.Attrs = make(map[string]string, len(h.Keys))
		for i, k := range h.Keys {
			r.Attrs[k] = row[i]
		}
	}
	if h.Refs != nil {
		r.Refs = maps.Clone(h.Refs)
	}
	if len(h.NameFrom) == 0 {
		r.Name = row[len(row)-1]
		return r, nil
	}
	var parts [maxNameParts]string
	for i, k := range h.NameFrom {
		parts[i] = row[k]
	}
	r.Name = strings.Join(parts[:len(h.NameFrom)], "/")
	return r, nil
}

// AppendPackedJSON appends rs in the packed encoding, as json.Marshal
// encodes a Packed: {"count":N,"rows":[...],"use":[...],"heads":[...]}.
func AppendPackedJSON(dst []byte, rs []Resource) []byte {
	// Room to start with: a row of a small host's unlike resources is
	// short and its head long; sizeSample resizes for many alike ones.
	p := packer{known: make([]packHead, 0, min(len(rs), 64)), use: make([]int, 0, len(rs)),
		values: make([]string, 0, 16), heads: make([]byte, 0, 160*min(len(rs), 64))}
	dst = slices.Grow(dst, 64*min(len(rs), sizeSample)+32)
	dst = append(dst, `{"count":`...)
	dst = strconv.AppendInt(dst, int64(len(rs)), 10)
	dst = append(dst, `,"rows":[`...)
	start := len(dst)
	for i := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = p.appendRow(dst, &rs[i])
		dst = growForRest(dst, start, i, len(rs))
	}
	dst = slices.Grow(dst, 8*len(p.use)+len(p.heads)+32)
	dst = append(dst, `],"use":[`...)
	for i, h := range p.use {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(h), 10)
	}
	dst = append(dst, `],"heads":[`...)
	dst = append(dst, p.heads...)
	return append(dst, "]}"...)
}

// packer is the state of one AppendPackedJSON: the heads so far, and
// which of them were used last. A resource is tried against the recent
// heads only: alike resources come in runs or interleaved runs (a VXLAN
// member's flood, FDB and neighbour entry for each peer), and a head
// written again costs bytes, never correctness, where looking further
// would cost every unlike resource (most of a small host's) a search.
type packer struct {
	known  []packHead
	recent [8]int // indexes into known, the most recent first
	nrec   int
	keys   []string // the heads' keys, one allocation for many
	names  []int    // the heads' NameFrom, likewise
	values []string // the row being written
	use    []int    // each row's head
	heads  []byte   // Heads, encoded
	// scratch is space to sort a new head's Attrs and Refs in.
	scratch []attr
}

// packHead is a head as the encoder keeps it: the resource that made it
// stands for everything but names and values.
type packHead struct {
	r        *Resource
	keys     []string
	nameFrom []int
}

// appendRow appends r's row and records its head, a new one if no head
// so far fits it.
func (p *packer) appendRow(dst []byte, r *Resource) []byte {
	h := p.find(r)
	if h < 0 {
		h = p.add(r)
	}
	p.use = append(p.use, h)
	dst = append(dst, '[')
	for i, v := range p.values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, v)
	}
	if p.known[h].nameFrom == nil {
		if len(p.values) > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, r.Name)
	}
	return append(dst, ']')
}

// find returns the recent head r fits, with its values in p.values, or
// -1.
func (p *packer) find(r *Resource) int {
	for i := range p.nrec {
		if h := p.recent[i]; p.fits(h, r) {
			copy(p.recent[1:i+1], p.recent[:i])
			p.recent[0] = h
			return h
		}
	}
	return -1
}

// remember puts head h first among the recent ones.
func (p *packer) remember(h int) {
	if p.nrec < len(p.recent) {
		p.nrec++
	}
	copy(p.recent[1:p.nrec], p.recent[:p.nrec-1])
	p.recent[0] = h
}

// fits reports whether r shares head h, leaving r's values in p.values.
func (p *packer) fits(h int, r *Resource) bool {
	ph := &p.known[h]
	o := ph.r
	if o.Kind != r.Kind || (o.Attrs == nil) != (r.Attrs == nil) || len(ph.keys) != len(r.Attrs) || o.Group != r.Group ||
		!sameStrings(o.Owners, r.Owners) || !sameStrings(o.After, r.After) || !sameStrings(o.Sensitive, r.Sensitive) ||
		!sameMap(o.Refs, r.Refs) {
		return false
	}
	p.values = p.values[:0]
	for _, k := range ph.keys {
		v, ok := r.Attrs[k]
		if !ok {
			return false
		}
		p.values = append(p.values, v)
	}
	return ph.nameFrom == nil || madeOf(r.Name, p.values, ph.nameFrom)
}

// sameStrings is slices.Equal that also tells nil from empty, as the
// plain encoding does for Owners ("null", "[]"); for the fields it omits
// when empty, both decode to nil, so telling them apart only costs a
// head. The same backing array answers at once.
func sameStrings(a, b []string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	return slices.Equal(a, b)
}

// sameMap is maps.Equal that also tells nil from empty.
func sameMap(a, b map[string]string) bool {
	return (a == nil) == (b == nil) && maps.Equal(a, b)
}

// madeOf reports whether name is the values at from joined by "/".
func madeOf(name string, values []string, from []int) bool {
	for i, k := range from {
		if i > 0 {
			if name == "" || name[0] != '/' {
				return false
			}
			name = name[1:]
		}
		v := values[k]
		if !strings.HasPrefix(name, v) {
			return false
		}
		name = name[len(v):]
	}
	return name == ""
}

// add makes r the first resource of a new head, with r's values in
// p.values, and returns its index.
func (p *packer) add(r *Resource) int {
	h := packHead{r: r}
	p.values = p.values[:0]
	if r.Attrs != nil { // empty, not nil, for an empty map: "keys":[]
		if p.keys == nil || cap(p.keys)-len(p.keys) < len(r.Attrs) {
			p.keys = make([]string, 0, max(64, 2*len(r.Attrs)))
		}
		kvs := p.scratch[:0]
		for k, v := range r.Attrs {
			kvs = append(kvs, attr{k, v})
		}
		p.scratch = kvs
		sortAttrs(kvs)
		from := len(p.keys)
		for _, kv := range kvs {
			p.keys = append(p.keys, kv.k)
			p.values = append(p.values, kv.v)
		}
		h.keys = p.keys[from:len(p.keys):len(p.keys)]
	}
	if len(p.names) > cap(p.names)-maxNameParts {
		p.names = make([]int, 0, 16*maxNameParts)
	}
	from := len(p.names)
	p.names = nameRule(p.names, r.Name, p.values)
	h.nameFrom = p.names[from:len(p.names):len(p.names)]
	if len(h.nameFrom) == 0 {
		h.nameFrom = nil
	}
	if len(p.known) > 0 {
		p.heads = append(p.heads, ',')
	}
	p.heads = h.appendJSON(p.heads, &p.scratch)
	p.known = append(p.known, h)
	p.remember(len(p.known) - 1)
	return len(p.known) - 1
}

// nameRule appends to dst the indexes of values whose join by "/" is
// name, taking at each step the first non-empty value the rest of the
// name begins with, then "/" or its end; nothing when that does not make
// the name.
func nameRule(dst []int, name string, values []string) []int {
	n := len(dst)
	rest := name
	for len(dst)-n < maxNameParts {
		k := slices.IndexFunc(values, func(v string) bool {
			return v != "" && strings.HasPrefix(rest, v) && (len(rest) == len(v) || rest[len(v)] == '/')
		})
		if k < 0 {
			return dst[:n]
		}
		dst = append(dst, k)
		if len(rest) == len(values[k]) {
			return dst
		}
		rest = rest[len(values[k])+1:]
	}
	return dst[:n]
}

// appendJSON appends the head as json.Marshal encodes a PackedHead.
// scratch is space to sort the entries of Refs in.
func (h *packHead) appendJSON(dst []byte, scratch *[]attr) []byte {
	r := h.r
	dst = append(dst, `{"kind":`...)
	dst = AppendJSONString(dst, r.Kind)
	dst = append(dst, `,"keys":`...)
	dst = appendJSONStrings(dst, h.keys)
	if len(h.nameFrom) > 0 {
		dst = append(dst, `,"name_from":[`...)
		for i, k := range h.nameFrom {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, int64(k), 10)
		}
		dst = append(dst, ']')
	}
	return r.appendJSONTail(dst, scratch)
}

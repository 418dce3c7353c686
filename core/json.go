package core

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// The JSON encoding of resources without reflection: a plan request of a
// host with thousands of resources is megabytes, and encoding/json sorts
// the keys of every Attrs map through reflection. Every function here
// writes exactly the bytes json.Marshal writes for the same value (its
// default HTML escaping included), so that a plan request reads the same
// to the helper and to tests that compare requests byte for byte
// (json_test.go holds them to that). Resource has no MarshalJSON on
// purpose: encoding/json checks and copies what one returns, which
// costs more than its reflection saves.

// AppendResourcesJSON appends rs encoded as json.Marshal encodes a
// []Resource: null for a nil slice, else an array.
func AppendResourcesJSON(dst []byte, rs []Resource) []byte {
	if rs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	var scratch [16]attr
	kvs := scratch[:0]
	start := len(dst)
	for i := range rs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = rs[i].appendJSON(dst, &kvs)
		dst = growForRest(dst, start, i, len(rs))
	}
	return append(dst, ']')
}

// sizeSample is how many resources AppendResourcesJSON and
// AppendPackedJSON encode before they size their buffer for the others.
const sizeSample = 16

// growForRest, once resource i of n was appended to dst (from start),
// makes room for the rest at the sample's size per resource, and some:
// growing a buffer of megabytes by appending copies it many times.
func growForRest(dst []byte, start, i, n int) []byte {
	if i != sizeSample-1 || i+1 >= n {
		return dst
	}
	per := (len(dst) - start) / sizeSample
	return slices.Grow(dst, (n-sizeSample)*(per+per/8)+64)
}

// AppendJSON appends r encoded as json.Marshal encodes it.
func (r *Resource) AppendJSON(dst []byte) []byte {
	var scratch [16]attr
	kvs := scratch[:0]
	return r.appendJSON(dst, &kvs)
}

// attr is one entry of a map being encoded.
type attr struct{ k, v string }

// appendJSON is AppendJSON with scratch space to sort map entries in,
// kept from one resource to the next.
func (r *Resource) appendJSON(dst []byte, scratch *[]attr) []byte {
	dst = append(dst, `{"kind":`...)
	dst = AppendJSONString(dst, r.Kind)
	dst = append(dst, `,"name":`...)
	dst = AppendJSONString(dst, r.Name)
	dst = append(dst, `,"attrs":`...)
	dst = appendJSONMap(dst, r.Attrs, scratch)
	return r.appendJSONTail(dst, scratch)
}

// appendJSONTail appends the members of r after its attributes (owners,
// after, sensitive, group, refs) and closes the object: the same in a
// resource's plain encoding and in a packed head (pack.go).
func (r *Resource) appendJSONTail(dst []byte, scratch *[]attr) []byte {
	dst = append(dst, `,"owners":`...)
	dst = appendJSONStrings(dst, r.Owners)
	if len(r.After) > 0 {
		dst = append(dst, `,"after":`...)
		dst = appendJSONStrings(dst, r.After)
	}
	if len(r.Sensitive) > 0 {
		dst = append(dst, `,"sensitive":`...)
		dst = appendJSONStrings(dst, r.Sensitive)
	}
	if r.Group != "" {
		dst = append(dst, `,"group":`...)
		dst = AppendJSONString(dst, r.Group)
	}
	if len(r.Refs) > 0 {
		dst = append(dst, `,"refs":`...)
		dst = appendJSONMap(dst, r.Refs, scratch)
	}
	return append(dst, '}')
}

// appendJSONStrings appends ss as json.Marshal encodes a []string.
func appendJSONStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, s)
	}
	return append(dst, ']')
}

// appendJSONMap appends m as json.Marshal encodes a map[string]string:
// null for a nil map, else an object with its keys in byte order.
// scratch is space for the sort, grown as needed.
func appendJSONMap(dst []byte, m map[string]string, scratch *[]attr) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	kvs := (*scratch)[:0]
	for k, v := range m {
		kvs = append(kvs, attr{k, v})
	}
	*scratch = kvs
	sortAttrs(kvs)
	dst = append(dst, '{')
	for i, kv := range kvs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, kv.k)
		dst = append(dst, ':')
		dst = AppendJSONString(dst, kv.v)
	}
	return append(dst, '}')
}

// sortAttrs sorts entries by key: a few by insertion, many with
// slices.SortFunc.
func sortAttrs(s []attr) {
	if len(s) > 12 {
		slices.SortFunc(s, func(a, b attr) int { return strings.Compare(a.k, b.k) })
		return
	}
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].k < s[j-1].k; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// jsonSafe marks the ASCII bytes json.Marshal writes as they are in a
// string: printable, and none of `"`, `\`, `<`, `>`, `&`.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range `"\<>&` {
		t[b] = false
	}
	t[0x7f] = true
	return t
}()

const hexDigits = "0123456789abcdef"

// plain8 reports whether json.Marshal copies the 8 bytes of s as they
// are: ASCII, no control character, none of `"`, `\`, `<`, `>`, `&`
// (tested a word at a time; a false "no" only takes the slow path).
func plain8(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	has := func(c uint64) uint64 { // high bit set in bytes equal to c (and maybe above one)
		y := x ^ (ones * c)
		return (y - ones) & ^y
	}
	bad := x | (x-ones*0x20) & ^x | has('"') | has('\\') | has('<') | has('>') | has('&')
	return bad&highs == 0
}

// AppendJSONString appends s as a JSON string exactly as json.Marshal
// encodes it: <, > and & escaped as \u003c, \u003e and \u0026, control
// characters as \b, \f, \n, \r, \t or \u00XX, each byte of invalid UTF-8
// as \ufffd, and U+2028 and U+2029 as \u2028 and \u2029.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
			continue
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

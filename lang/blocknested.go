package lang

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// NestedBlock is a block inside a registered kind's block (or inside
// another nested block), such as a balancer's `tls { ... }` or a web
// server's `app "HOST" { ... }`: its type, its one label if any, its
// settings and its own nested blocks.
type NestedBlock struct {
	Type  string // "tls"
	Label string // the label's name ("host"), "" for none
	// Key is the block key of the attributes' grammars and of the
	// documentation ("tls", "webserver.app"); default PARENT.TYPE.
	Key string
	// Article goes before the type in messages ("A interface block"):
	// "" = "An" before a vowel, else "A".
	Article string
	Attrs   []Attr
	// Single allows one such block: a second is reported ("Duplicate
	// tls block") and left out.
	Single bool
	Blocks []NestedBlock
}

func (nb NestedBlock) key(parent string) string {
	if nb.Key != "" {
		return nb.Key
	}
	return parent + "." + nb.Type
}

func (nb NestedBlock) header() hcl.BlockHeaderSchema {
	h := hcl.BlockHeaderSchema{Type: nb.Type}
	if nb.Label != "" {
		h.LabelNames = []string{nb.Label}
	}
	return h
}

func nestedHeaders(nbs []NestedBlock) []hcl.BlockHeaderSchema {
	var out []hcl.BlockHeaderSchema
	for _, nb := range nbs {
		out = append(out, nb.header())
	}
	return out
}

// kindNestedSpecs are the attribute specs of nbs and of the blocks they hold,
// for the grammar table's walk and the documentation.
func kindNestedSpecs(parent string, nbs []NestedBlock) []attrSpec {
	var out []attrSpec
	for _, nb := range nbs {
		out = append(out, specsOf(nb.key(parent), nb.Attrs)...)
		out = append(out, kindNestedSpecs(nb.key(parent), nb.Blocks)...)
	}
	return out
}

// article goes before the nested block's type in messages.
func (nb NestedBlock) article() string {
	if nb.Article != "" {
		return nb.Article
	}
	return article(nb.Type)
}

// article is "A" or "An" for a block type in messages.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "An"
	}
	return "A"
}

// collectNested reads the nested blocks of content into d, kind by kind
// as nbs declares them; path is d's attribute path and key its block key.
func (l *loader) collectNested(d *blockDecl, nbs []NestedBlock, path []string, key string, content *hcl.BodyContent) {
	for _, b := range content.Blocks {
		for _, nb := range nbs {
			if nb.Type != b.Type {
				continue
			}
			if have := d.subs[nb.Type]; nb.Single && len(have) > 0 {
				l.errorf(b.DefRange, nil, "Duplicate "+nb.Type+" block",
					"There is already a %s block at %s. Merge the two into one.", nb.Type, shortPos(have[0].block.DefRange))
				continue
			}
			if d.subs == nil {
				d.subs = map[string][]*blockDecl{}
			}
			d.subs[nb.Type] = append(d.subs[nb.Type], l.collectSub(nb, path, key, b))
		}
	}
}

func (l *loader) collectSub(nb NestedBlock, parent []string, parentKey string, b *hcl.Block) *blockDecl {
	key := nb.key(parentKey)
	specs := specsOf(key, nb.Attrs)
	content := l.content(b.Body, bodySchema(specs, nestedHeaders(nb.Blocks)...), fmt.Sprintf("%s %s block", nb.article(), nb.Type))
	path := child(parent, nb.Type)
	d := &blockDecl{block: b}
	if nb.Label != "" {
		d.label = b.Labels[0]
		path = append(path, d.label)
	}
	d.attrs = l.attrNodes(path, specs, content, b.DefRange)
	l.collectNested(d, nb.Blocks, path, key, content)
	return d
}

// Blocks are the nested blocks of type typ in d, in declaration order.
func (d *BlockDecl) Blocks(typ string) []*BlockDecl {
	var out []*BlockDecl
	for _, s := range d.d.subs[typ] {
		out = append(out, &BlockDecl{l: d.l, d: s, c: d.c})
	}
	return out
}

// Block is the first nested block of type typ in d, nil when there is
// none.
func (d *BlockDecl) Block(typ string) *BlockDecl {
	if bs := d.Blocks(typ); len(bs) > 0 {
		return bs[0]
	}
	return nil
}

// Cluster is the configuration being assembled (its servers and networks
// are) or validated.
func (d *BlockDecl) Cluster() *Cluster { return d.c }

// Strings is a list(string) setting's non-null elements (a null one is
// reported).
func (d *BlockDecl) Strings(attr string) []string {
	var out []string
	for _, e := range d.List(attr, "string") {
		out = append(out, e.Value)
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// AttrRange is where the setting attr was written (the block when not).
func (d *BlockDecl) AttrRange(attr string) hcl.Range { return d.d.attrs[attr].rng }

// ElementRange is where element i of a list setting was written.
func (d *BlockDecl) ElementRange(attr string, i int) hcl.Range {
	return elementRanges(d.d.attrs[attr])[i]
}

// LabelProblem reports a problem at the block's label.
func (d *BlockDecl) LabelProblem(summary, detail string) {
	d.l.reportAt(d.d.block.LabelRanges[0], problem{summary, detail})
}

// BlockProblem reports a problem at the block.
func (d *BlockDecl) BlockProblem(summary, detail string) {
	d.l.reportAt(d.d.block.DefRange, problem{summary, detail})
}

// CheckServer checks that the setting attr names a declared server
// (suggesting the closest); false when it does not, or is unset or
// unknown.
func (d *BlockDecl) CheckServer(attr string) bool {
	return d.l.checkServer(d.d.attrs[attr], d.String(attr))
}

// CheckPort reports a port setting outside 1..65535.
func (d *BlockDecl) CheckPort(attr, example string) { d.l.checkPort(d.d.attrs[attr], example) }

// CheckIPv4 checks an IPv4 address setting; emptyOK lets "" stand for
// a default.
func (d *BlockDecl) CheckIPv4(attr string, emptyOK bool) {
	n := d.d.attrs[attr]
	if s, ok := d.l.stringOf(n); ok && (s != "" || !emptyOK) {
		addr, p := parseAddress(s)
		if p.ok() && !addr.Is4() {
			p = problem{"Invalid IP address", fmt.Sprintf("%s is not an IPv4 address; write for example %s = %s.", addr, n.attrName(), n.example)}
		}
		d.l.report(n, p)
	}
}

// CheckAddresses checks that every element of a list setting is an IP
// address; what names an element in the error for a null one.
func (d *BlockDecl) CheckAddresses(attr, what string) {
	n := d.d.attrs[attr]
	elems := elementRanges(n)
	for _, e := range d.l.stringList(n, elems, what) {
		_, p := parseAddress(e.value)
		d.l.reportAt(elems[e.index], p)
	}
}

// CIDR is a CIDR setting, reporting one that is not a network; ok is
// false when it is unset, "" or wrong.
func (d *BlockDecl) CIDR(attr string) (netip.Prefix, bool) {
	s, ok := d.StringOK(attr)
	if !ok || s == "" {
		return netip.Prefix{}, false
	}
	p, prob := parseCIDR(s)
	d.l.report(d.d.attrs[attr], prob)
	return p, prob.ok()
}

// CheckServers reports elements of a list setting that name no declared
// server; what names an element in the error for a null one.
func (d *BlockDecl) CheckServers(attr, what string) {
	for _, e := range d.List(attr, what) {
		d.UnknownServer(attr, e.Index, e.Value)
	}
}

// Claim takes key in the namespace space, shared by every block of every
// kind in one load (such as "server:port" for listeners on hosts), at
// rng. When another block took it first, taken is true and first is
// where; the kind reports the conflict in its own words.
func (d *BlockDecl) Claim(space, key string, rng hcl.Range) (first hcl.Range, taken bool) {
	if d.l.claims == nil {
		d.l.claims = map[string]map[string]hcl.Range{}
	}
	if d.l.claims[space] == nil {
		d.l.claims[space] = map[string]hcl.Range{}
	}
	if first, taken := d.l.claims[space][key]; taken {
		return first, true
	}
	d.l.claims[space][key] = rng
	return hcl.Range{}, false
}

// IsName tells whether s can name a declaration: a letter, then letters,
// digits, '_' and '-', at most 63 characters.
func IsName(s string) bool { return validName(blockServer, s) }

// SuggestName turns s into a valid name, for error messages.
func SuggestName(s string) string { return suggestIdentifier(s) }

// Suggest is the candidate closest to given, "" when none is close.
func Suggest(given string, candidates []string) string { return suggest(given, candidates) }

// IsDomain tells whether s is a DNS domain.
func IsDomain(s string) bool { return domainProblem(s, "domain", `"x"`).ok() }

// MinPort and MaxPort bound TCP and UDP ports.
const (
	MinPort = minPort
	MaxPort = maxPort
)

// nestedAttrs are the attributes of nbs and of the blocks they hold.
func nestedAttrs(nbs []NestedBlock) []Attr {
	var out []Attr
	for _, nb := range nbs {
		out = append(out, nb.Attrs...)
		out = append(out, nestedAttrs(nb.Blocks)...)
	}
	return out
}

// BlockTypesToDraw are the registered block types in the order the
// topology picture draws them: by DrawRank, ties in registration order.
func (k *Kinds) BlockTypesToDraw() []string {
	bks := slices.Clone(k.blocksInOrder())
	slices.SortStableFunc(bks, func(a, b BlockKind) int { return cmp.Compare(a.DrawRank, b.DrawRank) })
	var out []string
	for _, bk := range bks {
		out = append(out, bk.Type)
	}
	return out
}

// LabelRange is where the block's label was written.
func (d *BlockDecl) LabelRange() hcl.Range { return d.d.block.LabelRanges[0] }

// IsNull tells whether the setting's value is null.
func (d *BlockDecl) IsNull(attr string) bool {
	n := d.d.attrs[attr]
	return n == nil || n.value.IsNull()
}

// StringMap is a map(string) setting's values (a null one is reported).
func (d *BlockDecl) StringMap(attr string) map[string]string { return d.l.labelsOf(d.d.attrs[attr]) }

// CheckServersIn checks a list(string) setting of server names: declared,
// listed once and, with allowed, one of those (why says why another is
// not: "is not a member of network \"vx1\"").
func (d *BlockDecl) CheckServersIn(attr string, allowed []string, why string) {
	d.l.checkServerList(d.d.attrs[attr], allowed, why)
}

// ParseCIDR parses a CIDR network address (no host bits set).
func ParseCIDR(s string) (netip.Prefix, bool) {
	p, prob := parseCIDR(s)
	return p, prob.ok()
}

// CheckLabelNetwork reports, at the label, a block labelled with a
// network that is not declared or carries no containers; it tells whether
// it does.
func (d *BlockDecl) CheckLabelNetwork(c *Cluster) bool {
	return d.l.containerNetwork(d.d.block.LabelRanges[0], d.d.label, c)
}

// ParseIPv4 parses an IPv4 address without prefix.
func ParseIPv4(s string) (netip.Addr, bool) {
	a, prob := parseAddress(s)
	return a, prob.ok() && a.Is4()
}

// CheckOutsidePool reports, at setting attr, static address a of a
// member of server on network (shown as shown) inside the network's
// DHCP pool, where dnsmasq could lease it to another.
func (d *BlockDecl) CheckOutsidePool(attr string, a netip.Addr, subnet netip.Prefix, network, server, shown string) {
	if d.c.servesDHCP(network, server) && inDHCPPool(subnet, a) {
		d.l.report(d.d.attrs[attr], staticInPool(subnet, a, shown))
	}
}

package lang

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// BlockKind is a top-level block type a kind's package declares, such as
// `vip { ... }` or `database "mariadb" { ... }`: its label, settings, how
// it reads them into its model and how it checks them. Its blocks are not
// referenceable from expressions (their names may be generated), but a
// Named kind's may be ordered against (Orderable).
type BlockKind struct {
	Type string // the block type: "vip"
	// Named makes the one label (Label: "name") the block's name, unique
	// among the type's blocks (`attachment "web1" { ... }`), instead of a
	// value out of LabelValues. NameProblem says what is wrong with a
	// name, "" when nothing; a block with a bad or duplicate name is
	// reported at its label and skipped.
	Named       bool
	NameProblem func(name string) (summary, detail string)
	// Article goes before the type in messages ("A container block"):
	// "" = "An" before a vowel, else "A".
	Article string
	// Orderable lets host declarations' depends_on and watch name the
	// type's blocks (`depends_on = [attachment.web1]`); their models
	// implement OrderTarget.
	Orderable bool
	// Referenceable makes a Named kind's blocks referenceable from
	// expressions as TYPE.NAME.ATTR: the block's name, its settings and
	// the Symbols derived from them (blocksymbols.go).
	Referenceable bool
	Symbols       []Symbol
	// Single allows one block of the type in a cluster (`consul { ... }`).
	Single bool
	// Late validates the type's blocks after the others, in registration
	// order, with the static addresses of the networks' members and of
	// the Late blocks before claimed (ClaimStatic): containers, jobs,
	// Consul endpoints.
	Late bool
	// Label names the block's one label ("engine"), "" for none;
	// LabelValues lists what it may be, LabelAliases maps other names
	// people use ("mysql") to one of them.
	Label        string
	LabelValues  []string
	LabelAliases map[string]string
	// LabelWhat says what the label is, for errors ("database engine").
	LabelWhat string
	// Noun names one declaration for people ("VIP"): `drover validate`
	// counts them ("2 VIPs"; kinds with one noun are counted together,
	// "" = not counted). CountRank places the count in that line: lower
	// first, ties in registration order.
	Noun      string
	CountRank int
	Attrs     []Attr
	// Blocks are the blocks the kind's block holds (blocknested.go).
	Blocks []NestedBlock
	// DrawRank places the kind's nodes in `drover graph -type=topology`:
	// lower first, ties in registration order.
	DrawRank int
	// Assemble reads one block's evaluated settings into the kind's model.
	Assemble func(d *BlockDecl) Decl
	// Validate checks every block of the type at once (so that it can
	// compare them), each problem at the attribute that causes it.
	Validate func(blocks []*BlockDecl, decls []Decl, c *Cluster)
	// Show is the kind's `drover show` command, nil for none. lang only
	// carries it, so that a kind registers itself once.
	Show *ShowKind
}

// ShowKind is a block kind's `drover show COMMAND`: the kind's models
// implement ShowRow (see runner.DeclRows), and cmd prints the rows under
// Header, or as JSON.
type ShowKind struct {
	Command string   // "vips"
	Summary string   // what it prints, for `drover show` without a kind
	Header  []string // the text table's columns
	// Empty is printed instead of a table when there are no rows ("" =
	// "None are declared."); Padding pads the table's columns (0 = 2).
	Empty   string
	Padding int
	// EmptyList writes no rows as [] in JSON (else null).
	EmptyList bool
}

// BlockCount is how many declarations of the registered block kinds with
// one noun a configuration has.
type BlockCount struct {
	Noun string
	N    int
}

// BlockCounts counts the declarations of the registered block kinds by
// noun (kinds without one are not counted), in the order of their
// CountRank, ties in registration order.
func (c *Cluster) BlockCounts(k *Kinds) []BlockCount {
	bks := slices.Clone(k.blocksInOrder())
	slices.SortStableFunc(bks, func(a, b BlockKind) int { return cmp.Compare(a.CountRank, b.CountRank) })
	var out []BlockCount
	for _, bk := range bks {
		n := len(c.DeclsOfType(bk.Type))
		switch i := slices.IndexFunc(out, func(b BlockCount) bool { return b.Noun == bk.Noun }); {
		case bk.Noun == "":
		case i >= 0:
			out[i].N += n
		default:
			out = append(out, BlockCount{Noun: bk.Noun, N: n})
		}
	}
	return out
}

// ShowKinds are the registered kinds' show commands, in registration
// order, each with the block type it shows.
func (k *Kinds) ShowKinds() map[string]ShowKind {
	out := map[string]ShowKind{}
	for _, bk := range k.blocksInOrder() {
		if bk.Show != nil {
			out[bk.Type] = *bk.Show
		}
	}
	return out
}

// Decl is a registered block kind's model of one block, kept in
// Cluster.Decls. Modules expand it and runner shows it through the
// interfaces it implements (see modules.Expand and runner's show rows).
type Decl interface {
	// DeclName is the declaration's owner name on hosts: "vip.front".
	DeclName() string
}

// DeclsOf returns the declarations of type T, in declaration order.
func DeclsOf[T Decl](c *Cluster) []T {
	var out []T
	for _, d := range c.Decls {
		if t, ok := d.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// DeclsOfType returns the declarations of the block type typ ("vip"), in
// declaration order.
func (c *Cluster) DeclsOfType(typ string) []Decl {
	var out []Decl
	for i, d := range c.Decls {
		if i < len(c.declTypes) && c.declTypes[i] == typ {
			out = append(out, d)
		}
	}
	return out
}

// AddBlock registers a top-level block kind. A kind registered twice, or
// a string attribute without a grammar, panics at startup.
func (k *Kinds) AddBlock(bk BlockKind) {
	if slices.ContainsFunc(k.blocks, func(o BlockKind) bool { return o.Type == bk.Type }) {
		panic(fmt.Sprintf("lang: block kind %q registered twice", bk.Type))
	}
	for _, a := range slices.Concat(bk.Attrs, nestedAttrs(bk.Blocks)) {
		if isStringish(a.Type) && grammarByName(a.Grammar) == nil {
			panic(fmt.Sprintf("lang: block kind %q: attribute %q has no grammar (%q is not one)", bk.Type, a.Name, a.Grammar))
		}
	}
	if bk.Referenceable && !bk.Named {
		panic(fmt.Sprintf("lang: block kind %q: only a Named kind is Referenceable", bk.Type))
	}
	k.blocks = append(k.blocks, bk)
}

// referenceableType tells whether blocks of the registered type typ are
// referenceable from expressions.
func (k *Kinds) referenceableType(typ string) bool {
	bk, ok := k.block(typ)
	return ok && bk.Referenceable
}

func (k *Kinds) block(typ string) (BlockKind, bool) {
	if k == nil {
		return BlockKind{}, false
	}
	i := slices.IndexFunc(k.blocks, func(o BlockKind) bool { return o.Type == typ })
	if i < 0 {
		return BlockKind{}, false
	}
	return k.blocks[i], true
}

func (k *Kinds) blockSchemas() []hcl.BlockHeaderSchema {
	if k == nil {
		return nil
	}
	var out []hcl.BlockHeaderSchema
	for _, bk := range k.blocks {
		h := hcl.BlockHeaderSchema{Type: bk.Type}
		if bk.Label != "" {
			h.LabelNames = []string{bk.Label}
		}
		out = append(out, h)
	}
	return out
}

// blockDecl is one block of a registered kind while loading.
type blockDecl struct {
	kind  BlockKind
	block *hcl.Block
	label string
	attrs map[string]*node
	decl  Decl                    // the assembled model
	subs  map[string][]*blockDecl // nested blocks by type (blocknested.go)
}

// collectBlock registers one block of a registered kind.
func (l *loader) collectBlock(bk BlockKind, b *hcl.Block) {
	d := &blockDecl{kind: bk, block: b}
	if bk.Named {
		l.collectNamedBlock(d)
		return
	}
	if first := l.firstBlock(bk.Type); bk.Single && first != nil {
		l.errorf(b.DefRange, nil, fmt.Sprintf("Duplicate %s block", bk.Type),
			"There is already a %s block at %s; a cluster has one. Merge the two.", bk.Type, shortPos(first.block.DefRange))
		return
	}
	if bk.Label != "" {
		if !l.knownLabelOf(b, bk.LabelWhat, bk.LabelValues, bk.LabelAliases) {
			return
		}
		d.label = b.Labels[0]
	}
	specs := specsOf(bk.Type, bk.Attrs)
	content := l.content(b.Body, bodySchema(specs, nestedHeaders(bk.Blocks)...), fmt.Sprintf("A %s block", b.Type))
	key := fmt.Sprintf("%s#%d", b.Type, b.DefRange.Start.Byte)
	d.attrs = l.attrNodes([]string{b.Type, key}, specs, content, b.DefRange)
	l.collectNested(d, bk.Blocks, []string{b.Type, key}, bk.Type, content)
	l.blocks = append(l.blocks, d)
}

// collectNamedBlock registers one block of a Named kind under its name.
func (l *loader) collectNamedBlock(d *blockDecl) {
	bk, b := d.kind, d.block
	d.label = b.Labels[0]
	if bk.NameProblem != nil {
		if summary, detail := bk.NameProblem(d.label); summary != "" {
			l.errorf(b.LabelRanges[0], nil, summary, "%s", detail)
			return
		}
	}
	if first := l.namedBlock(bk.Type, d.label); first != nil {
		l.errorf(b.LabelRanges[0], nil, fmt.Sprintf("Duplicate %s %q", bk.Type, d.label),
			"%s %s named %q was already declared at %s. Rename this one or remove it.",
			bk.article(), bk.Type, d.label, shortPos(first.block.DefRange))
		return
	}
	specs := specsOf(bk.Type, bk.Attrs)
	content := l.content(b.Body, bodySchema(specs, nestedHeaders(bk.Blocks)...), fmt.Sprintf("%s %s block", bk.article(), b.Type))
	path := []string{b.Type, d.label}
	d.attrs = l.attrNodes(path, specs, content, b.DefRange)
	l.collectNested(d, bk.Blocks, path, bk.Type, content)
	l.blocks = append(l.blocks, d)
	if bk.Referenceable {
		l.registerSymbols(d.symbolBlock(), bk.Symbols)
	}
}

// symbolBlock is a Referenceable kind's block as registerSymbols takes it.
func (d *blockDecl) symbolBlock() symbolBlock {
	b := symbolBlock{root: d.kind.Type, name: d.label, label: d.block.LabelRanges[0], block: d.block.DefRange,
		nested: map[string][]map[string]*node{}}
	for _, a := range d.kind.Attrs {
		b.settings = append(b.settings, d.attrs[a.Name])
	}
	for typ, subs := range d.subs {
		for _, s := range subs {
			b.nested[typ] = append(b.nested[typ], s.attrs)
		}
	}
	return b
}

// firstBlock is the first collected block of type typ, nil if none.
func (l *loader) firstBlock(typ string) *blockDecl {
	for _, d := range l.blocks {
		if d.kind.Type == typ {
			return d
		}
	}
	return nil
}

// namedBlock is the collected block of type typ named name, nil if none.
func (l *loader) namedBlock(typ, name string) *blockDecl {
	for _, d := range l.blocks {
		if d.kind.Type == typ && d.label == name {
			return d
		}
	}
	return nil
}

// article goes before the kind's type in messages.
func (bk BlockKind) article() string {
	switch {
	case bk.Article != "":
		return bk.Article
	case bk.Type != "" && strings.ContainsRune("aeiou", rune(bk.Type[0])):
		return "An"
	}
	return "A"
}

// OrderTarget is the model of an Orderable kind's block: host
// declarations that depend on it come after its resource, and those that
// watch it restart when it is replaced.
type OrderTarget interface {
	Decl
	// OrderResource is the resource dependents come after, on server.
	OrderResource() (server, id string)
	// WatchParts identify what replaces the declaration when it changes.
	WatchParts() []string
}

// orderable tells whether host declarations may name blocks of typ in
// depends_on and watch.
func (k *Kinds) orderable(typ string) bool {
	bk, ok := k.block(typ)
	return ok && bk.Orderable
}

// orderableTypes are the block types host declarations may order against.
func (k *Kinds) orderableTypes() []string {
	var out []string
	for _, bk := range k.blocksInOrder() {
		if bk.Orderable {
			out = append(out, bk.Type)
		}
	}
	return out
}

// checkOrderRef reports a depends_on or watch entry naming a block of an
// Orderable kind that is not declared.
func (l *loader) checkOrderRef(r declRef) {
	var names []string
	for _, d := range l.blocks {
		if d.kind.Type != r.kind {
			continue
		}
		if d.label == r.name {
			return
		}
		names = append(names, d.label)
	}
	bk, _ := l.opts.Kinds.block(r.kind)
	l.errorf(r.rng, nil, "Reference to undeclared "+r.kind,
		"%s names %s %s that is not declared. Declared %ss: %s.", r.decl(), strings.ToLower(bk.article()), r.kind, r.kind, strings.Join(names, ", "))
}

// assembleBlocks adds the registered kinds' blocks to the model: kind by
// kind in registration order, each kind's in declaration order.
func (l *loader) assembleBlocks(c *Cluster) {
	for _, bk := range l.opts.Kinds.blocksInOrder() {
		for _, d := range l.blocks {
			if d.kind.Type == bk.Type {
				d.decl = bk.Assemble(&BlockDecl{l: l, d: d, c: c})
				c.Decls = append(c.Decls, d.decl)
				c.declTypes = append(c.declTypes, bk.Type)
			}
		}
	}
}

// validateBlocks runs each registered kind's checks over its blocks, in
// registration order: the Late kinds' when late, the others' else.
func (l *loader) validateBlocks(c *Cluster, late bool) {
	for _, bk := range l.opts.Kinds.blocksInOrder() {
		if bk.Late != late {
			continue
		}
		var ds []*BlockDecl
		var decls []Decl
		for _, d := range l.blocks {
			if d.kind.Type == bk.Type && d.decl != nil {
				ds = append(ds, &BlockDecl{l: l, d: d, c: c})
				decls = append(decls, d.decl)
			}
		}
		if len(ds) > 0 {
			bk.Validate(ds, decls, c)
		}
	}
}

func (k *Kinds) blocksInOrder() []BlockKind {
	if k == nil {
		return nil
	}
	return k.blocks
}

// BlockDecl is one block of a registered kind while its kind assembles
// and validates it: its evaluated settings and ways to report a problem
// at the attribute that causes it.
type BlockDecl struct {
	l *loader
	d *blockDecl
	c *Cluster
}

// Label is the block's label ("" when the kind has none).
func (d *BlockDecl) Label() string { return d.d.label }

// Name is a Named kind's block name (its label).
func (d *BlockDecl) Name() string { return d.d.label }

// Range is where the block was declared.
func (d *BlockDecl) Range() hcl.Range { return d.d.block.DefRange }

// String is a string setting ("" when null or failed).
func (d *BlockDecl) String(attr string) string {
	s, _ := d.l.stringOf(d.d.attrs[attr])
	return s
}

// StringOK is a string setting and whether it evaluated.
func (d *BlockDecl) StringOK(attr string) (string, bool) { return d.l.stringOf(d.d.attrs[attr]) }

// Int is a number setting (0 when null or failed).
func (d *BlockDecl) Int(attr string) int {
	i, _ := d.l.intOf(d.d.attrs[attr])
	return i
}

// IntOK is a number setting and whether it evaluated.
func (d *BlockDecl) IntOK(attr string) (int, bool) { return d.l.intOf(d.d.attrs[attr]) }

// Bool is a bool setting.
func (d *BlockDecl) Bool(attr string) bool {
	b, _ := boolOf(d.d.attrs[attr])
	return b
}

// Duration is a duration setting (0 when null or failed).
func (d *BlockDecl) Duration(attr string) time.Duration { return d.l.durationOf(d.d.attrs[attr]) }

// IsSet tells whether the setting was written in the block.
func (d *BlockDecl) IsSet(attr string) bool {
	n := d.d.attrs[attr]
	return n != nil && n.expr != nil
}

// IsKnown tells whether the setting's value is wholly known (a failed
// reference leaves it unknown: do not count its elements then).
func (d *BlockDecl) IsKnown(attr string) bool {
	n := d.d.attrs[attr]
	return n != nil && n.value.IsWhollyKnown()
}

// ListEntry is one non-null element of a list setting and its position.
type ListEntry struct {
	Index int
	Value string
}

// List is a list(string) setting's elements; what names an element in the
// error reported for a null one ("server name").
func (d *BlockDecl) List(attr, what string) []ListEntry {
	n := d.d.attrs[attr]
	var out []ListEntry
	for _, e := range d.l.stringList(n, elementRanges(n), what) {
		out = append(out, ListEntry{Index: e.index, Value: e.value})
	}
	return out
}

// NumberMap is a map(number) setting's whole-number values.
func (d *BlockDecl) NumberMap(attr string) map[string]int { return d.l.numberMap(d.d.attrs[attr]) }

// Problem reports a problem at the setting attr (where it was written, or
// the block when it was not).
func (d *BlockDecl) Problem(attr, summary, detail string) {
	d.l.report(d.d.attrs[attr], problem{summary, detail})
}

// ElementProblem reports a problem at element i of a list setting.
func (d *BlockDecl) ElementProblem(attr string, i int, summary, detail string) {
	d.l.reportAt(elementRanges(d.d.attrs[attr])[i], problem{summary, detail})
}

// UnknownServer reports that element i of a list setting names no
// declared server, suggesting the closest one; false when it is declared.
func (d *BlockDecl) UnknownServer(attr string, i int, name string) bool {
	if d.l.syms.servers[name] != nil {
		return false
	}
	d.l.reportAt(elementRanges(d.d.attrs[attr])[i], unknownServer(name, d.l.syms.srvOrder))
	return true
}

// CheckRange reports a number setting outside lo..hi.
func (d *BlockDecl) CheckRange(attr string, lo, hi int, summary, example string) {
	if i, ok := d.IntOK(attr); ok {
		d.l.report(d.d.attrs[attr], inRange(i, lo, hi, summary, attr, example))
	}
}

// CheckIfname checks an interface-name setting (required: "" is wrong).
func (d *BlockDecl) CheckIfname(attr string, required bool, example string) {
	d.l.checkIfname(d.d.attrs[attr], required, example)
}

// ClaimName claims a service name (given in attr, or generated) in the
// namespace shared by load balancers, web servers and VIPs: their names
// name files, services and nftables tables on the hosts, so they are
// unique cluster-wide. what is the block's kind for errors ("VIP").
func (d *BlockDecl) ClaimName(attr, name, what string) {
	if d.l.svcNames == nil {
		d.l.svcNames = svcNames{}
	}
	d.l.checkServiceName(d.d.attrs[attr], name, what, d.l.svcNames, d.d.block.DefRange)
}

// ShortPos is rng as "file:line", for details that point elsewhere.
func ShortPos(rng hcl.Range) string { return shortPos(rng) }

// knownLabelOf reports an unsupported kind label; false skips the block.
func (l *loader) knownLabelOf(b *hcl.Block, what string, known []string, aliases map[string]string) bool {
	if slices.Contains(known, b.Labels[0]) {
		return true
	}
	detail := fmt.Sprintf("drover has no %s %q.", what, b.Labels[0])
	if alias, ok := aliases[strings.ToLower(b.Labels[0])]; ok {
		detail += fmt.Sprintf(" Did you mean %q?", alias)
	} else if s := suggest(b.Labels[0], known); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	l.errorf(b.LabelRanges[0], nil, "Unsupported "+what, "%s Supported: %s.", detail, strings.Join(known, ", "))
	return false
}

// ValidName tells whether name can name a declaration that also names
// things on hosts: a letter, then letters, digits, '_' and '-' (at most
// 63 characters).
func ValidName(name string) bool { return validName(blockServer, name) }

// SuggestIdentifier turns name into an identifier, for examples in errors.
func SuggestIdentifier(name string) string { return suggestIdentifier(name) }

// ServerNames are the declared servers, in declaration order.
func (d *BlockDecl) ServerNames() []string {
	var out []string
	for _, s := range d.l.servers {
		out = append(out, s.name)
	}
	return out
}

// IsServer tells whether name is a declared server.
func (d *BlockDecl) IsServer(name string) bool { return d.l.syms.servers[name] != nil }

// HasBlock tells whether the configuration has a block of the registered
// type typ (for a kind that needs another: an endpoint needs consul).
func (d *BlockDecl) HasBlock(typ string) bool { return d.l.firstBlock(typ) != nil }

// ReadSource reads the file a source setting names, relative to the
// folder of the file that declares the block: its path, content and the
// error reading it.
func (d *BlockDecl) ReadSource(attr string) (path string, data []byte, err error) {
	return d.l.readSource(d.d.block.DefRange.Filename, d.String(attr))
}

// CheckServerList checks a list(string) setting of server names.
func (d *BlockDecl) CheckServerList(attr string) { d.l.checkServerList(d.d.attrs[attr], nil, "") }

// CheckOneOf reports a setting whose value got is not one of known.
func (d *BlockDecl) CheckOneOf(attr, got string, known []string) {
	d.l.report(d.d.attrs[attr], oneOf(attr, got, known))
}

// ReportUnknownServer reports that the setting attr names server name,
// which is not declared, suggesting the closest one.
func (d *BlockDecl) ReportUnknownServer(attr, name string) {
	d.l.report(d.d.attrs[attr], unknownServer(name, d.l.syms.srvOrder))
}

// CheckContainerNetwork reports a network setting naming a network that
// is not declared or carries no containers; it tells whether it does.
func (d *BlockDecl) CheckContainerNetwork(attr, name string, c *Cluster) bool {
	return d.l.containerNetwork(d.d.attrs[attr].rng, name, c)
}

// ClaimStatic checks static address a of a Late kind's setting attr: in
// subnet, neither its network nor broadcast address, and not claimed by
// another declaration on network (a container, job instance, bridge);
// who names the claimant for that error ("endpoint consul-1").
func (d *BlockDecl) ClaimStatic(attr string, a netip.Addr, subnet, network, who string) {
	n := d.d.attrs[attr]
	d.l.checkStatic(n.rng, n.ctxRange, a, subnet, network, who, d.l.claimed)
}

package lang

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// variableDecl is one `variable "NAME"` block.
type variableDecl struct {
	name    string
	block   *hcl.Block
	typ     cty.Type // DynamicPseudoType when no type is given
	deflt   hcl.Expression
	hasType bool
}

// sshDecl is the top-level ssh block.
type sshDecl struct {
	block   *hcl.Block
	attrs   map[string]*node
	written map[string]bool // attributes written in the block
}

// serverDecl is one `server "NAME"` block.
type serverDecl struct {
	name  string
	block *hcl.Block
	attrs map[string]*node
	ssh   map[string]*node // the server's ssh block; nil without one
}

// networkDecl is one `network "KIND" "NAME"` block.
type networkDecl struct {
	name, kind string
	block      *hcl.Block
	attrs      map[string]*node
	members    []*memberDecl
	ranges     []memberRanges // of the assembled members, in their order
}

// memberDecl is one `member "SERVER"` block of a network.
type memberDecl struct {
	server string
	block  *hcl.Block
	iface  *node
	addr   *node
	extra  map[string]*node // the kind's own member settings, by name
}

// collectFile registers the declarations of one file.
func (l *loader) collectFile(f *hcl.File) {
	content := l.content(f.Body, l.topSchema(), "A drover file")
	for _, b := range content.Blocks {
		switch b.Type {
		case blockVariable:
			l.collectVariable(b)
		case blockLocals:
			l.collectLocals(b)
		case blockSSH:
			l.collectSSH(b)
		case blockServer:
			l.collectServer(b)
		case blockNetwork:
			l.collectNetwork(b)
		default:
			if bk, ok := l.opts.Kinds.block(b.Type); ok {
				l.collectBlock(bk, b) // blockkinds.go
			} else if ik, ok := l.opts.Kinds.item(b.Type); ok {
				l.collectGeneric(ik, b) // generic.go
			}
		}
	}
}

// firstDeclaration returns where kind NAME was declared first, if it was.
func (l *loader) firstDeclaration(kind, name string) (hcl.Range, bool) {
	switch kind {
	case blockVariable:
		if n := l.syms.vars[name]; n != nil {
			return n.rng, true
		}
	case "local":
		if n := l.syms.locals[name]; n != nil {
			return *n.ctxRange, true
		}
	case blockServer:
		if e := l.syms.servers[name]; e != nil {
			return e.attrs["name"].rng, true
		}
	case blockNetwork:
		if e := l.syms.networks[name]; e != nil {
			return e.attrs["name"].rng, true
		}
	}
	return hcl.Range{}, false
}

// checkName reports a name that is a duplicate or cannot be referenced;
// it returns false when the declaration must be skipped.
func (l *loader) checkName(kind, name string, subject hcl.Range) bool {
	if !validName(kind, name) {
		l.errorf(subject, nil, fmt.Sprintf("Invalid %s name", kind),
			"%q cannot be used as a name: names start with a letter and hold only letters, digits, '_' and '-' (at most 63 characters), so that references can name them. Write for example %s %q.",
			name, kind, suggestIdentifier(name))
		return false
	}
	if first, dup := l.firstDeclaration(kind, name); dup {
		l.errorf(subject, nil, fmt.Sprintf("Duplicate %s %q", kind, name),
			"A %s named %q was already declared at %s. Rename this one or remove it.",
			kind, name, shortPos(first))
		return false
	}
	return true
}

func (l *loader) collectVariable(b *hcl.Block) {
	name := b.Labels[0]
	if !l.checkName(blockVariable, name, b.LabelRanges[0]) {
		return
	}
	content := l.content(b.Body, variableSchema(), "A variable block")
	v := &variableDecl{name: name, block: b, typ: cty.DynamicPseudoType}
	if a := content.Attributes["type"]; a != nil {
		ty, diags := typeexpr.TypeConstraint(a.Expr)
		for _, d := range diags {
			d.Detail += " Write a type such as string, number, bool, list(string), map(string) or any."
		}
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			v.typ, v.hasType = ty, true
		}
	}
	if a := content.Attributes["default"]; a != nil {
		v.deflt = a.Expr
	}
	if a := content.Attributes["description"]; a != nil {
		l.checkDescription(a)
	}
	n := l.register(&node{path: []string{rootVar, name}, rng: b.LabelRanges[0], want: cty.DynamicPseudoType})
	if a := content.Attributes[attrSensitive]; a != nil {
		n.sensitive = l.constantBool(a)
	}
	n.derive = func() (cty.Value, hcl.Diagnostics) { return l.variableValue(v) }
	l.syms.vars[name] = n
	l.syms.varOrder = append(l.syms.varOrder, name)
	l.vars = append(l.vars, v)
}

// constantBool is a constant bool attribute's value (false, reported,
// when it is not one).
func (l *loader) constantBool(a *hcl.Attribute) bool {
	v, diags := a.Expr.Value(nil)
	l.diags = append(l.diags, diags...)
	if !diags.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.Bool {
		return v.True()
	}
	if !diags.HasErrors() {
		l.errorf(a.Expr.Range(), &a.Range, "Invalid "+a.Name,
			"%s is a constant true or false, for example %s = true.", a.Name, a.Name)
	}
	return false
}

// checkDescription reports a description that is not a constant string.
func (l *loader) checkDescription(a *hcl.Attribute) {
	v, diags := a.Expr.Value(nil)
	l.diags = append(l.diags, diags...)
	if !diags.HasErrors() && v.Type() != cty.String {
		l.errorf(a.Expr.Range(), &a.Range, "Invalid description",
			`A description is a string, for example description = "overlay address range".`)
	}
}

func (l *loader) collectLocals(b *hcl.Block) {
	attrs, diags := b.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	sorted := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		sorted = append(sorted, a)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Range.Start.Byte < sorted[j].Range.Start.Byte })
	for _, a := range sorted {
		if !l.checkName("local", a.Name, a.NameRange) {
			continue
		}
		rng := a.Range
		n := l.register(&node{path: []string{rootLocal, a.Name}, expr: a.Expr, rng: a.Expr.Range(),
			ctxRange: &rng, want: cty.DynamicPseudoType})
		l.syms.locals[a.Name] = n
		l.syms.locOrder = append(l.syms.locOrder, a.Name)
	}
}

func (l *loader) collectSSH(b *hcl.Block) {
	if l.ssh != nil {
		l.errorf(b.DefRange, nil, "Duplicate ssh block",
			"A cluster has at most one top-level ssh block; the first one is at %s. Merge the two, or put per-server settings in the server's own ssh block.",
			shortPos(l.ssh.block.DefRange))
		return
	}
	content := l.content(b.Body, bodySchema(sshSpecs()), "The ssh block")
	l.ssh = &sshDecl{block: b, attrs: map[string]*node{}, written: map[string]bool{}}
	for _, spec := range sshSpecs() {
		l.ssh.attrs[spec.name] = l.attrNode([]string{blockSSH, spec.name}, spec, content.Attributes[spec.name], b.DefRange)
		l.ssh.written[spec.name] = content.Attributes[spec.name] != nil
	}
}

func (l *loader) collectServer(b *hcl.Block) {
	name := b.Labels[0]
	if name == LocalServer {
		l.errorf(b.LabelRanges[0], nil, `Reserved server name "local"`,
			`"local" is the machine drover runs on and needs no server block: list "local" in a network's servers instead, or give this server another name.`)
		return
	}
	if !l.checkName(blockServer, name, b.LabelRanges[0]) {
		return
	}
	specs, schema := l.serverSchema()
	content := l.content(b.Body, schema, "A server block")
	s := &serverDecl{name: name, block: b, attrs: make(map[string]*node, len(specs))}
	e := &entity{attrs: make(map[string]*node, len(specs)+1), order: make([]string, 0, len(specs)+1)}
	// A server's nodes and their paths are allocated together: 10,000
	// servers are 130,000 nodes.
	nodes := make([]node, len(specs)+1)
	paths := make([]string, 3*len(nodes))
	path := func(i int, attr string) []string {
		p := paths[3*i : 3*i+3 : 3*i+3]
		p[0], p[1], p[2] = rootServer, name, attr
		return p
	}
	nodes[0] = node{path: path(0, "name"), rng: b.LabelRanges[0], want: cty.String, deflt: str(name)}
	e.add(l.register(&nodes[0]))
	for i, spec := range specs {
		n := l.fillAttrNode(&nodes[i+1], path(i+1, spec.name), spec, content.Attributes[spec.name], b.DefRange)
		s.attrs[spec.name] = n
		e.add(n)
	}
	l.collectServerSSH(s, content.Blocks)
	l.syms.servers[name] = e
	l.syms.srvOrder = append(l.syms.srvOrder, name)
	l.servers = append(l.servers, s)
}

// serverSchema returns serverSpecs and the server block's schema, built
// once per load (they are the same for every server).
func (l *loader) serverSchema() ([]attrSpec, *hcl.BodySchema) {
	if l.srvSchema == nil {
		l.srvSpecs = serverSpecs()
		l.srvSchema = bodySchema(l.srvSpecs, hcl.BlockHeaderSchema{Type: blockSSH})
	}
	return l.srvSpecs, l.srvSchema
}

func (l *loader) collectServerSSH(s *serverDecl, blocks hcl.Blocks) {
	for i, b := range blocks {
		if i > 0 {
			l.errorf(b.DefRange, nil, "Duplicate ssh block",
				"Server %q already has an ssh block at %s. Merge the two.", s.name, shortPos(blocks[0].DefRange))
			continue
		}
		content := l.content(b.Body, bodySchema(serverSSHSpecs()), "A server's ssh block")
		s.ssh = l.attrNodes([]string{rootServer, s.name, blockSSH}, serverSSHSpecs(), content, b.DefRange)
	}
}

func (l *loader) collectNetwork(b *hcl.Block) {
	kind, name := b.Labels[0], b.Labels[1]
	nk, known := l.networkKind(kind)
	if !known {
		detail := fmt.Sprintf("drover has no network kind %q.", kind)
		if s := suggest(kind, l.networkKindNames()); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		l.errorf(b.LabelRanges[0], nil, "Unsupported network kind", "%s Supported kinds: %s.", detail, strings.Join(l.networkKindNames(), ", "))
		return
	}
	if !l.checkName(blockNetwork, name, b.LabelRanges[1]) {
		return
	}
	specs := nk.specs()
	content := l.content(b.Body, bodySchema(specs, hcl.BlockHeaderSchema{Type: blockMember, LabelNames: []string{"server"}}), "A "+kind+" network")
	nd := &networkDecl{name: name, kind: kind, block: b, attrs: map[string]*node{}}
	e := newEntity()
	e.add(l.register(&node{path: []string{rootNetwork, name, "name"}, rng: b.LabelRanges[1], want: cty.String, deflt: str(name)}))
	e.add(l.register(&node{path: []string{rootNetwork, name, "kind"}, rng: b.LabelRanges[0], want: cty.String, deflt: str(kind)}))
	for _, spec := range specs {
		n := l.attrNode([]string{rootNetwork, name, spec.name}, spec, content.Attributes[spec.name], b.DefRange)
		nd.attrs[spec.name] = n
		e.add(n)
	}
	for _, mb := range content.Blocks {
		nd.members = append(nd.members, l.collectMember(name, mb, nk.memberSpecs()))
	}
	for _, attr := range nk.firstMember {
		l.deriveFirstMember(nd, attr)
	}
	l.syms.networks[name] = e
	l.syms.netOrder = append(l.syms.netOrder, name)
	l.networks = append(l.networks, nd)
}

// collectMember collects a member block: interface and address, which
// every kind's members have, and the kind's own member settings (extra).
func (l *loader) collectMember(network string, b *hcl.Block, extra []attrSpec) *memberDecl {
	specs := append(memberSpecs(), extra...)
	content := l.content(b.Body, bodySchema(specs), "A member block")
	m := &memberDecl{server: b.Labels[0], block: b, extra: map[string]*node{}}
	path := []string{rootNetwork, network, blockMember, m.server}
	m.iface = l.attrNode(child(path, specs[0].name), specs[0], content.Attributes[specs[0].name], b.DefRange)
	m.addr = l.attrNode(child(path, specs[1].name), specs[1], content.Attributes[specs[1].name], b.DefRange)
	for _, spec := range extra {
		m.extra[spec.name] = l.attrNode(child(path, spec.name), spec, content.Attributes[spec.name], b.DefRange)
	}
	return m
}

// deriveFirstMember makes the string setting attr (dhcp_host), when unset,
// default to the network's first member.
func (l *loader) deriveFirstMember(nd *networkDecl, attr string) {
	host, servers := nd.attrs[attr], nd.attrs[attrServers]
	host.deps = append(host.deps, servers)
	host.derive = func() (cty.Value, hcl.Diagnostics) {
		list := servers.value
		if !list.IsWhollyKnown() || !list.Type().IsListType() {
			return cty.UnknownVal(cty.String), nil
		}
		for it := list.ElementIterator(); it.Next(); {
			_, first := it.Element()
			if first.IsNull() {
				return cty.UnknownVal(cty.String), nil
			}
			name, _, _ := strings.Cut(first.AsString(), ":")
			return str(name), nil
		}
		if len(nd.members) > 0 {
			return str(nd.members[0].server), nil
		}
		return str(""), nil
	}
}

// attrNode registers the node of one attribute; attr is nil when the
// attribute is not set, and fallback is then the range diagnostics use.
func (l *loader) attrNode(path []string, spec attrSpec, attr *hcl.Attribute, fallback hcl.Range) *node {
	return l.fillAttrNode(new(node), path, spec, attr, fallback)
}

// fillAttrNode is attrNode making its node in n.
func (l *loader) fillAttrNode(n *node, path []string, spec attrSpec, attr *hcl.Attribute, fallback hcl.Range) *node {
	*n = node{path: path, want: spec.typ, deflt: spec.deflt, example: spec.example, rng: fallback, required: spec.required}
	if attr != nil {
		n.expr = attr.Expr
		n.rng = attr.Expr.Range()
		rng := attr.Range
		n.ctxRange = &rng
	}
	n.grammar = l.grammarFor(spec, n.rng)
	return l.register(n)
}

// errorf appends an error diagnostic at subject.
func (l *loader) errorf(subject hcl.Range, context *hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  &subject,
		Context:  context,
	})
}

// validName tells whether name can name a declaration of kind. Servers
// and networks also name hosts, DNS records and files, so they are plain
// ASCII: a letter, then letters, digits, '_' and '-'.
func validName(kind, name string) bool {
	if !validIdentifier(name) {
		return false
	}
	if kind != blockServer && kind != blockNetwork {
		return true
	}
	if len(name) > 63 {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

// validIdentifier is hclsyntax.ValidIdentifier, without running its
// scanner on an ASCII name: a letter or '_', then letters, digits, '_'
// and '-'.
func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return hclsyntax.ValidIdentifier(s)
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// child is path extended by name, sharing nothing with path.
func child(path []string, name string) []string {
	return append(path[:len(path):len(path)], name)
}

// shortPos is "file:line" of a range, for pointing at another declaration.
func shortPos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// content decodes a block body against its schema and makes hcl's
// "Unsupported argument/block type" errors list what the block takes.
func (l *loader) content(body hcl.Body, schema *hcl.BodySchema, what string) *hcl.BodyContent {
	content, diags := body.Content(schema)
	for _, d := range diags {
		if d.Summary == "Unsupported argument" || d.Summary == "Unsupported block type" {
			d.Detail += " " + schemaSummary(schema, what)
		}
	}
	l.diags = append(l.diags, diags...)
	return content
}

// schemaSummary says what a block takes: "A server block takes address,
// interface, ... and ssh blocks."
func schemaSummary(schema *hcl.BodySchema, what string) string {
	var attrs, blocks []string
	for _, a := range schema.Attributes {
		attrs = append(attrs, a.Name)
	}
	for _, b := range schema.Blocks {
		blocks = append(blocks, b.Type)
	}
	s := fmt.Sprintf("%s takes", what)
	if len(attrs) > 0 {
		s += " the arguments " + strings.Join(attrs, ", ")
		if len(blocks) > 0 {
			s += " and"
		}
	}
	if len(blocks) > 0 {
		s += " the blocks " + strings.Join(blocks, ", ")
	}
	return s + "."
}

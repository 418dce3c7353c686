package lang

import (
	"path"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// attrGrammars is the one table of what every string attribute accepts:
// "BLOCK.ATTRIBUTE" (BLOCK as inBlock names it) to its grammar. Lists and
// maps of strings use the grammar for each element (and a map's keys use
// grammar.keys). A string attribute missing here cannot be used: loading
// its block reports an internal error, and TestEveryStringAttributeHasGrammar
// walks every schema.
var attrGrammars = map[string]*grammar{
	"ssh.user": gLogin, "ssh.identity_file": gLocalPath, "ssh.known_hosts": gLocalPath,
	"ssh.jump": gJump, "ssh.timeout": gDuration,
	"server.ssh.user": gLogin, "server.ssh.identity_file": gLocalPath, "server.ssh.known_hosts": gLocalPath,
	"server.ssh.timeout": gDuration, "server.ssh.host": gSSHHost, "server.ssh.jump": gJump,

	"server.address": gServerAddr, "server.private_address": gIP, "server.interface": gIfname, "server.subnet": gCIDR, "server.bridge": gIfname,
	"server.domain": gDomain, "server.labels": gLabel,

	"network.member.interface": gIfname, "network.member.address": gIP,

	"meta.servers": gServerRef, "meta.where": gLabel,
}

// Grammars that combine a path grammar with the rule that drover's own
// state is never a managed or rendered path.
var (
	gStatePath   = &grammar{name: "absolute clean path of plain characters outside drover's state", example: `"/etc/ssl/certs/web.pem"`, check: stateConfigPath}
	gStatePathOK = &grammar{name: "absolute clean path of plain characters", example: `"/run/nginx.pid"`, check: configPath}
)

// droverState lists drover's own files and directories on a server:
// the helper, its stamp, the lock and the manifest (/var/lib/drover), the
// pidfile backend's run and log directories, drover's rendered configs
// and secrets (/etc/drover). None of them, nothing under them and none of
// their parent directories can be declared: a declaration there would
// overwrite drover's state or a secret, or redirect it.
var droverState = []string{"/var/lib/drover", "/run/drover", "/var/log/drover", "/etc/drover"}

// droverUnitDir holds drover's systemd units, drover-NAME.service.
const droverUnitDir = "/etc/systemd/system"

// stateProblem tells why p (clean and absolute) is drover's own state.
func stateProblem(p string) string {
	for _, root := range droverState {
		switch {
		case p == root || strings.HasPrefix(p, root+"/"):
			return "it is drover's own state (" + root + " and everything under it are drover's)"
		case root == "/" || strings.HasPrefix(root, p+"/") || p == "/":
			return "it is a parent directory of drover's own state (" + root + ")"
		}
	}
	dir, base := path.Split(p)
	if path.Clean(dir) == droverUnitDir && strings.HasPrefix(base, "drover-") {
		return "it is one of drover's systemd units (" + droverUnitDir + "/drover-*)"
	}
	return ""
}

func managedPath(s string) string {
	if why := cleanAbsPath(s); why != "" {
		if st := stateProblem(path.Clean(s)); strings.HasPrefix(s, "/") && st != "" {
			why += ", and " + st
		}
		return why
	}
	return stateProblem(s)
}

func stateConfigPath(s string) string {
	if why := configPath(s); why != "" {
		return why
	}
	return stateProblem(s)
}

// inBlock stamps specs with the block they belong to ("loadbalancer",
// "network.vxlan", "tls", "file"), the key of attrGrammars.
func inBlock(block string, specs []attrSpec) []attrSpec {
	for i := range specs {
		specs[i].block = block
	}
	return specs
}

// isStringish tells whether values of typ are or hold strings.
func isStringish(typ cty.Type) bool {
	switch {
	case typ == cty.String || typ == cty.DynamicPseudoType:
		return true
	case typ.IsListType() || typ.IsMapType() || typ.IsSetType():
		return isStringish(typ.ElementType())
	}
	return false
}

// grammarOf is the grammar of spec; ok is false for a string attribute the
// table does not name (a bug: every string attribute needs an entry).
func grammarOf(spec attrSpec) (g *grammar, ok bool) {
	if !isStringish(spec.typ) {
		return nil, true
	}
	if spec.grammar != nil {
		return spec.grammar, true
	}
	g, ok = attrGrammars[spec.block+"."+spec.name]
	return g, ok
}

// grammarByName is the grammar whose key (grammarKeys) is name, nil when
// there is none.
func grammarByName(name string) *grammar { return grammarKeys()[name] }

// allSchemas lists the attribute specs of every block, by block key, for
// the table's completeness test and the documentation.
func allSchemas(kinds *Kinds) map[string][]attrSpec {
	out := map[string][]attrSpec{}
	add := func(specs []attrSpec) {
		for _, s := range specs {
			out[s.block] = append(out[s.block], s)
		}
	}
	add(sshSpecs())
	add(serverSSHSpecs())
	add(serverSpecs())
	add(memberSpecs())
	for _, k := range kinds.NetworkKinds() {
		nk := registered(kinds.networks[k])
		add(nk.specs())
		add(nk.memberSpecs())
	}
	for _, bk := range kinds.blocksInOrder() {
		add(specsOf(bk.Type, bk.Attrs))
		add(kindNestedSpecs(bk.Type, bk.Blocks))
	}
	for _, ik := range kinds.itemsInOrder() {
		add(ik.specs())
	}
	for k, specs := range out { // gre and ipip share their specs
		out[k] = dedupSpecs(specs)
	}
	return out
}

func dedupSpecs(specs []attrSpec) []attrSpec {
	seen := map[string]bool{}
	var out []attrSpec
	for _, s := range specs {
		if !seen[s.name] {
			seen[s.name] = true
			out = append(out, s)
		}
	}
	return out
}

// AttributeGrammar describes one string attribute: its block key
// ("loadbalancer", "network.vxlan.member", "tls"), its name, the name of
// its grammar and a valid example. Exempt attributes are free-form.
type AttributeGrammar struct {
	Block, Name, Grammar, Example string
	Exempt                        bool
	Type                          cty.Type
}

// AttributeGrammars lists every string attribute of every block (lang's
// own and those of kinds) with its grammar, sorted by block and name (for
// tests and documentation).
func AttributeGrammars(kinds *Kinds) []AttributeGrammar {
	var out []AttributeGrammar
	schemas := allSchemas(kinds)
	schemas["meta"] = metaSpecs()
	for block, specs := range schemas {
		for _, s := range specs {
			g, _ := grammarOf(s)
			if g == nil {
				continue
			}
			ex := g.example
			if s.example != "" && s.typ == cty.String {
				ex = s.example
			}
			out = append(out, AttributeGrammar{Block: block, Name: s.name, Grammar: g.name, Example: ex, Exempt: g.exempt != "" && g.keys == nil, Type: s.typ})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Block != out[j].Block {
			return out[i].Block < out[j].Block
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// CheckGrammar tells why value is not a valid value of an attribute name
// whose grammar is the key grammar (an Attr.Grammar: "unit-name",
// "words"), "" when it is; for tests of what may reach the hosts.
func CheckGrammar(grammar, name, value string) string {
	g := grammarByName(grammar)
	if g == nil {
		return "no such grammar"
	}
	return g.problemOf(value, name, g.example).detail
}

package lang

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// attrSpec describes one attribute of a block: its type, its default and
// an example value for error messages.
type attrSpec struct {
	name string
	typ  cty.Type
	// deflt is the value when the attribute is not set: cty.NilVal for
	// null, unknown for a required one (its absence is reported already).
	deflt    cty.Value
	example  string
	required bool
	// block names the block the attribute belongs to (set by inBlock):
	// with name, the key of its grammar in attrGrammars.
	block string
	// grammar is the grammar of a registered kind's string attribute
	// (Attr.Grammar); nil = attrGrammars' entry.
	grammar *grammar
}

// block types
const (
	blockVariable = "variable"
	blockLocals   = "locals"
	blockSSH      = "ssh"
	blockServer   = "server"
	blockNetwork  = "network"
	blockMember   = "member"
)

func str(s string) cty.Value { return cty.StringVal(s) }
func num(n int64) cty.Value  { return cty.NumberIntVal(n) }

// topSchema is lang's own top-level blocks and the registered kinds'
// (the host declaration types last).
func (l *loader) topSchema() *hcl.BodySchema {
	s := topSchema()
	// The registered kinds go after the networks, where the service
	// blocks always were, so that "A drover file takes the blocks ..."
	// lists them there.
	at := slices.IndexFunc(s.Blocks, func(b hcl.BlockHeaderSchema) bool { return b.Type == blockNetwork }) + 1
	s.Blocks = slices.Insert(s.Blocks, at, l.opts.Kinds.blockSchemas()...)
	s.Blocks = append(s.Blocks, l.opts.Kinds.itemSchemas()...)
	return s
}

func topSchema() *hcl.BodySchema {
	s := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: blockVariable, LabelNames: []string{"name"}},
		{Type: blockLocals},
		{Type: blockSSH},
		{Type: blockServer, LabelNames: []string{"name"}},
		{Type: blockNetwork, LabelNames: []string{"kind", "name"}},
	}}
	return s
}

func variableSchema() *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "default"}, {Name: "type"}, {Name: "description"}, {Name: attrSensitive},
	}}
}

func sshSpecs() []attrSpec {
	return inBlock("ssh", []attrSpec{
		{name: "user", typ: cty.String, deflt: str("root"), example: `"root"`},
		{name: "port", typ: cty.Number, deflt: num(22), example: "22"},
		{name: "identity_file", typ: cty.String, deflt: str(""), example: `"~/.ssh/id_ed25519"`},
		{name: "agent", typ: cty.Bool, deflt: cty.True, example: "true"},
		{name: "known_hosts", typ: cty.String, deflt: str("~/.ssh/known_hosts"), example: `"~/.ssh/known_hosts"`},
		{name: "trust_on_first_use", typ: cty.Bool, deflt: cty.False, example: "false"},
		{name: "jump", typ: cty.String, deflt: str(""), example: `"admin@203.0.113.9:22"`},
		{name: "become", typ: cty.Bool, deflt: cty.True, example: "true"},
		{name: "timeout", typ: cty.String, deflt: str("10s"), example: `"10s"`},
	})
}

// serverSSHSpecs are the settings a server's own ssh block may override
// (every setting of the cluster's ssh block), null meaning "the
// cluster's", plus host, the SSH endpoint (an address, host name or
// ssh_config alias; default the server's address), and jump as a list of
// bastions, first hop first.
func serverSSHSpecs() []attrSpec {
	return inBlock("server.ssh", []attrSpec{
		{name: "user", typ: cty.String, example: `"admin"`},
		{name: "port", typ: cty.Number, example: "2222"},
		{name: "identity_file", typ: cty.String, example: `"~/.ssh/id_ed25519"`},
		{name: "agent", typ: cty.Bool, example: "true"},
		{name: "known_hosts", typ: cty.String, example: `"~/.ssh/known_hosts"`},
		{name: "trust_on_first_use", typ: cty.Bool, example: "false"},
		{name: "become", typ: cty.Bool, example: "true"},
		{name: "timeout", typ: cty.String, example: `"10s"`},
		{name: "host", typ: cty.String, example: `"web1.example.com"`},
		{name: "jump", typ: cty.List(cty.String), example: `["admin@203.0.113.9", "bastion2"]`},
	})
}

func serverSpecs() []attrSpec {
	return inBlock("server", append([]attrSpec{
		{name: "address", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"198.51.100.1"`, required: true},
		{name: "interface", typ: cty.String, deflt: str(""), example: `"eth0"`},
		{name: "subnet", typ: cty.String, deflt: str(""), example: `"100.65.1.0/24"`},
		{name: "bridge", typ: cty.String, deflt: str("cbr0"), example: `"cbr0"`},
		{name: "dhcp", typ: cty.Bool, deflt: cty.True, example: "true"},
		{name: "domain", typ: cty.String, deflt: str("app"), example: `"app"`},
		{name: "labels", typ: cty.Map(cty.String), deflt: cty.MapValEmpty(cty.String), example: `{ role = "web" }`},
		{name: "private_address", typ: cty.String, deflt: str(""), example: `"10.0.0.5"`},
	}, serverCapacitySpecs()...)) // server_capacity.go
}

// attrDHCPHost and attrServers are the network attributes lang reads
// itself: every network kind's members come from servers, and a
// FirstMember setting (dhcp_host) defaults to the first of them.
const (
	attrDHCPHost = "dhcp_host"
	attrServers  = "servers"
)

func memberSpecs() []attrSpec {
	return inBlock("network.member", []attrSpec{
		{name: "interface", typ: cty.String, deflt: str(""), example: `"eth1"`},
		{name: "address", typ: cty.String, deflt: str(""), example: `"100.64.10.40"`},
	})
}

// bodySchema is the schema of a block with the given attributes and
// nested blocks.
func bodySchema(specs []attrSpec, blocks ...hcl.BlockHeaderSchema) *hcl.BodySchema {
	s := &hcl.BodySchema{Blocks: blocks}
	for _, a := range specs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.name, Required: a.required})
	}
	return s
}

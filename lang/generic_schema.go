package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Meta-arguments every host declaration takes.
const (
	metaForEach   = "for_each"
	metaCount     = "count"
	metaServers   = "servers"
	metaWhere     = "where"
	metaDependsOn = "depends_on"
	metaNotify    = "notify" // not on services
	metaWatch     = "watch"  // services only
)

// Instance roots: each.key/each.value under for_each, count.index under
// count.
const (
	rootEach  = "each"
	rootCount = "count"
)

// genericKinds lists the host declarations in the order doc.go documents
// them.
var genericKinds = []string{
	KindFile, KindTemplate, KindDirectory, KindSymlink, KindLine, KindPackage,
	KindService, KindSysctl, KindUser, KindGroup, KindCommand,
}

func isGenericKind(kind string) bool {
	for _, k := range genericKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// genericSpecs are the settings of each host declaration; attributes
// named "name" default to the block's label.
func genericSpecs(kind string) []attrSpec { return inBlock(kind, genericKindSpecs(kind)) }

func genericKindSpecs(kind string) []attrSpec {
	owner := attrSpec{name: "owner", typ: cty.String, deflt: str("root:root"), example: `"www-data:www-data"`}
	path := attrSpec{name: "path", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"/etc/motd"`, required: true}
	validate := attrSpec{name: "validate", typ: cty.String, deflt: str(""), example: `"nginx -t -c {}"`}
	name := attrSpec{name: "name", typ: cty.String, example: `"nginx"`}
	sensitive := attrSpec{name: attrSensitive, typ: cty.Bool, deflt: cty.False, example: "true"}
	switch kind {
	case KindFile:
		return []attrSpec{path,
			{name: "content", typ: cty.String, example: `"hello\n"`},
			{name: "source", typ: cty.String, example: `"files/motd"`},
			{name: "mode", typ: cty.String, deflt: str("0644"), example: `"0644"`}, owner, validate, sensitive}
	case KindTemplate:
		return []attrSpec{path,
			{name: "source", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"templates/hosts.tmpl"`, required: true},
			{name: "vars", typ: cty.DynamicPseudoType, deflt: cty.EmptyObjectVal, example: `{ domain = "lab" }`},
			{name: "mode", typ: cty.String, deflt: str("0644"), example: `"0644"`}, owner, validate, sensitive}
	case KindDirectory:
		return []attrSpec{path,
			{name: "mode", typ: cty.String, deflt: str("0755"), example: `"0755"`}, owner,
			{name: "purge", typ: cty.Bool, deflt: cty.False, example: "false"}}
	case KindSymlink:
		return []attrSpec{path,
			{name: "target", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"/opt/app/releases/1"`, required: true}}
	case KindLine:
		return []attrSpec{path,
			{name: "line", typ: cty.String, example: `"PermitRootLogin no"`},
			{name: "regexp", typ: cty.String, example: `"^#?PermitRootLogin "`},
			{name: "state", typ: cty.String, deflt: str("present"), example: `"present"`},
			{name: "insert_after", typ: cty.String, example: `"^# Authentication"`},
			{name: "create", typ: cty.Bool, deflt: cty.True, example: "true"}, sensitive}
	case KindPackage:
		return []attrSpec{name,
			{name: "state", typ: cty.String, deflt: str("present"), example: `"present"`},
			{name: "remove_on_delete", typ: cty.Bool, deflt: cty.False, example: "true"}}
	case KindService:
		return []attrSpec{name,
			{name: "command", typ: cty.String, example: `"python3 -m http.server 8080"`},
			{name: "state", typ: cty.String, deflt: str("started"), example: `"started"`},
			{name: "enabled", typ: cty.Bool, example: "true"},
			{name: "reload", typ: cty.String, deflt: str("restart"), example: `"reload"`},
			{name: "pidfile", typ: cty.String, example: `"/run/nginx.pid"`}}
	case KindSysctl:
		return []attrSpec{
			{name: "key", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"net.ipv4.ip_forward"`, required: true},
			{name: "value", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"1"`, required: true},
			{name: "persist", typ: cty.Bool, deflt: cty.True, example: "true"}}
	case KindUser:
		return []attrSpec{name,
			{name: "uid", typ: cty.Number, example: "990"},
			{name: "group", typ: cty.String, example: `"app"`},
			{name: "groups", typ: cty.List(cty.String), example: `["adm"]`},
			{name: "home", typ: cty.String, example: `"/var/lib/app"`},
			{name: "shell", typ: cty.String, example: `"/usr/sbin/nologin"`},
			{name: "system", typ: cty.Bool, deflt: cty.False, example: "true"},
			{name: "create_home", typ: cty.Bool, deflt: cty.True, example: "false"}}
	case KindGroup:
		return []attrSpec{name,
			{name: "gid", typ: cty.Number, example: "991"},
			{name: "system", typ: cty.Bool, deflt: cty.False, example: "true"}}
	case KindCommand:
		return []attrSpec{
			{name: "command", typ: cty.String, deflt: cty.UnknownVal(cty.String), example: `"/opt/app/bin/init-db"`, required: true},
			{name: "creates", typ: cty.String, example: `"/var/lib/app/.initialised"`},
			{name: "unless", typ: cty.String, example: `"test -e /var/lib/app/db"`},
			{name: "dir", typ: cty.String, deflt: str("/"), example: `"/opt/app"`},
			{name: "undo", typ: cty.String, example: `"rm -rf /var/lib/app/db"`}}
	}
	return nil
}

// genericSchema is a declaration's body schema: its settings plus the
// meta-arguments.
func genericSchema(kind string) *hcl.BodySchema {
	s := bodySchema(genericSpecs(kind))
	meta := []string{metaForEach, metaCount, metaServers, metaWhere, metaDependsOn}
	if kind == KindService {
		meta = append(meta, metaWatch)
	} else {
		meta = append(meta, metaNotify)
	}
	for _, m := range meta {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: m})
	}
	return s
}

// staticRefAttrs are the meta-arguments holding references to other
// declarations, decoded without evaluation.
func isStaticRefAttr(name string) bool {
	return name == metaDependsOn || name == metaNotify || name == metaWatch
}

// genericBlockSchemas are the top-level blocks of host declarations, each
// labelled with its name.
func genericBlockSchemas() []hcl.BlockHeaderSchema {
	out := make([]hcl.BlockHeaderSchema, 0, len(genericKinds))
	for _, k := range genericKinds {
		out = append(out, hcl.BlockHeaderSchema{Type: k, LabelNames: []string{"name"}})
	}
	return out
}

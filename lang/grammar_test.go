package lang

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// exemptAttrs are the only string attributes whose values are not checked:
// free-form data, written as bytes or only compared. Adding one here is a
// decision to review, not a way to make this test pass.
var exemptAttrs = []string{
	"container.files", // values are file contents (the keys are checked paths)
	"file.content",    // a file's content
	"job.constraints", // compared with server labels (keys are checked names)
	"meta.where",      // compared with server labels (keys are checked names)
	"server.labels",   // data for where/constraints and templates (keys are checked names)
	"template.vars",   // data for the user's own template
}

// TestEveryStringAttributeHasGrammar walks the schema of every block and
// fails on a string attribute that attrGrammars does not map to a
// grammar, on an entry naming no attribute, and on an exemption not listed
// in exemptAttrs.
func TestEveryStringAttributeHasGrammar(t *testing.T) {
	schemas := allSchemas(testKinds)
	schemas["meta"] = metaSpecs()
	seen := map[string]bool{}
	var exempt []string
	for block, specs := range schemas {
		if block == "" {
			t.Errorf("attributes without a block (inBlock missing): %v", specs)
		}
		for _, s := range specs {
			key := block + "." + s.name
			g, ok := grammarOf(s)
			switch {
			case !ok:
				t.Errorf("%s is a %s attribute without a grammar in attrGrammars", key, s.typ.FriendlyName())
			case g == nil && isStringish(s.typ):
				t.Errorf("%s maps to a nil grammar", key)
			case g != nil && !isStringish(s.typ):
				t.Errorf("%s is a %s, not a string, but has a grammar", key, s.typ.FriendlyName())
			}
			if g != nil && g.exempt != "" {
				exempt = append(exempt, key)
			}
			seen[key] = true
		}
	}
	for key := range attrGrammars {
		if !seen[key] {
			t.Errorf("attrGrammars names %s, which no block has", key)
		}
	}
	slices.Sort(exempt)
	if !slices.Equal(exempt, exemptAttrs) {
		t.Errorf("exempt attributes are %v, want exactly %v", exempt, exemptAttrs)
	}
}

// TestEveryBlockIsWalked makes sure allSchemas covers every top-level
// block type a configuration can hold.
func TestEveryBlockIsWalked(t *testing.T) {
	schemas := allSchemas(nil)
	for _, b := range topSchema().Blocks {
		switch b.Type {
		case blockVariable, blockLocals: // free-form values, checked where used
			continue
		case blockNetwork: // every network kind is registered: kinds_ext_test.go walks them
			continue
		}
		if _, ok := schemas[b.Type]; !ok {
			t.Errorf("block %q is not in allSchemas", b.Type)
		}
	}
}

// payloads returns hostile variants of a valid value v.
func payloads(v string) map[string]string {
	return map[string]string{
		"newline":   v + "\nx 1",
		"semicolon": v + ";x",
		"lbrace":    v + "{",
		"rbrace":    v + "}",
		"dquote":    v + `"`,
		"squote":    v + "'",
		"hash":      v + "#x",
		"nul":       v + "\x00",
		"dash":      "-" + v,
		"dotdot":    "../" + v,
		"dotdot2":   v + "/../x",
		"nonascii":  v + "é",
	}
}

// TestGrammarsRejectLineBreaksAndNUL: no checked grammar lets a line
// break or a NUL through (they end a directive in every line-based config
// and a C string in every argv and path).
func TestGrammarsRejectLineBreaksAndNUL(t *testing.T) {
	for _, g := range grammars() {
		if g.exempt != "" {
			continue
		}
		for _, bad := range []string{"a\nb", "a\rb", "a\x00b", "/x\n/y", "1\n", "s1\x00"} {
			if p := g.problemOf(bad, "attr", g.example); p.ok() {
				t.Errorf("grammar %q accepts %q", g.name, bad)
			}
		}
	}
}

// TestConfigGrammarsRejectSyntax: the grammars of values rendered into
// daemon configs (nginx, haproxy, keepalived, bird, dnsmasq, nft, systemd
// units, sysctl.d) reject every character those grammars give a meaning.
func TestConfigGrammarsRejectSyntax(t *testing.T) {
	rendered := []*grammar{gIP, gIPv4OK, gCIDR, gIfname, gDomain, gHost, gURLPath, gHTTPURL, gConfigPath, gStatePath,
		gStatePathOK, gIdent, gServerRef, gMember, gUnitName, gPackage, gAccount, gOwner, gSQLName, gPassword, gKeyword,
		gSysctlKey, gSysctlValue, gArgv, gBackend, gHostPort, gPublish, gDuration, gMode, gSize, gVersion, gImageRef}
	for _, g := range rendered {
		ex := exampleOf(g)
		if p := g.problemOf(ex, "attr", g.example); !p.ok() {
			t.Errorf("grammar %q rejects its own example %q: %s", g.name, ex, p.detail)
		}
		for name, bad := range payloads(ex) {
			if g == gSysctlValue && name == "dash" || g == gPassword && name == "dash" {
				continue // "-1" is a sysctl value; a password is a quoted SQL string
			}
			if g == gPassword && (name == "semicolon" || name == "lbrace" || name == "rbrace" || name == "hash" || strings.HasPrefix(name, "dotdot")) {
				continue // inside a quoted SQL literal or a bound parameter these are text
			}
			if (g == gSysctlValue || g == gArgv) && strings.HasPrefix(name, "dotdot") {
				continue // a value or an argument, never a path drover opens
			}
			if p := g.problemOf(bad, "attr", g.example); p.ok() {
				t.Errorf("grammar %q accepts the %s payload %q", g.name, name, bad)
			}
		}
	}
}

// exampleOf is a grammar's example as a plain string.
func exampleOf(g *grammar) string {
	switch g {
	case gPassword:
		return "s3cret-pass"
	case gLogin:
		return "root"
	}
	return strings.Trim(g.example, `"`)
}

func TestPathAliasing(t *testing.T) {
	for _, tc := range []struct{ path, why string }{
		{"/etc//motd", `its clean form is "/etc/motd"`},
		{"/etc/./motd", `its clean form is "/etc/motd"`},
		{"/etc/../var/lib/drover/manifest.json", `its clean form is "/var/lib/drover/manifest.json"`},
		{"/etc/motd/", `its clean form is "/etc/motd"`},
		{"etc/motd", "not absolute"},
		{"/var/lib/drover", "drover's own state"},
		{"/var/lib/drover/manifest.json", "drover's own state"},
		{"/var/lib/drover/bin/drover-helper-0123456789abcdef", "drover's own state"},
		{"/var/lib/drover/lock", "drover's own state"},
		{"/run/drover/web.pid", "drover's own state"},
		{"/var/log/drover/web.log", "drover's own state"},
		{"/etc/drover/haproxy.cfg", "drover's own state"},
		{"/etc/systemd/system/drover-web.service", "systemd units"},
		{"/var/lib", "parent directory of drover's own state"},
		{"/", "parent directory of drover's own state"},
	} {
		why := managedPath(tc.path)
		if !strings.Contains(why, tc.why) {
			t.Errorf("managedPath(%q) = %q, want it to say %q", tc.path, why, tc.why)
		}
	}
	for _, ok := range []string{"/etc/motd", "/var/lib/droverx", "/etc/systemd/system/nginx.service", "/opt/app/ünïcode name"} {
		if why := managedPath(ok); why != "" {
			t.Errorf("managedPath(%q) = %q, want it accepted", ok, why)
		}
	}
}

// TestGrammarTableUsesOnlyKnownGrammars keeps grammars() (documented in
// doc.go) complete.
func TestGrammarTableUsesOnlyKnownGrammars(t *testing.T) {
	known := map[*grammar]bool{gStatePath: true, gStatePathOK: true}
	for _, g := range grammars() {
		known[g] = true
	}
	for _, key := range slices.Sorted(maps.Keys(attrGrammars)) {
		if !known[attrGrammars[key]] {
			t.Errorf("%s uses a grammar missing from grammars()", key)
		}
	}
	_ = cty.String
}

// TestServiceCommandWords: a service's command is shell words (quotes, no
// expansion) on one line, its program a PATH name or an absolute path.
func TestServiceCommandWords(t *testing.T) {
	for _, ok := range []string{"busybox httpd -f -p 8080 -h /var/lib/www1", "sh -c 'exec busybox httpd -f -p 8080'",
		`sh -c 'load() { cat /etc/demo.conf > /run/demo.loaded; }; load' demo-daemon`, `/usr/bin/env "A=b c" prog`, `echo a\ b`} {
		if why := wordsLine(ok); why != "" {
			t.Errorf("wordsLine(%q) = %q", ok, why)
		}
	}
	for _, bad := range []string{"sh -c 'x", `echo "x`, "-x y", "../bin/x", "bin/../x y", "a\nExecStartPre=/tmp/evil", "a\x00", "  "} {
		if why := wordsLine(bad); why == "" {
			t.Errorf("wordsLine(%q) accepted", bad)
		}
	}
	words, _ := shellWords(`sh -c 'a b' "c \"d\" \$e" f\ g`)
	if want := []string{"sh", "-c", "a b", `c "d" $e`, "f g"}; !slices.Equal(words, want) {
		t.Errorf("shellWords = %q, want %q", words, want)
	}
}

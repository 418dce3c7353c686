package main

import (
	"fmt"
	"maps"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/drover/drover/lang"
	"github.com/drover/drover/modules"
)

func cmdValidate(e *env, args []string) int {
	f := newFlags(e, "validate").withVars()
	asJSON := f.Bool("json", false, "print the result as JSON")
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	lo, vfiles, diags := f.options(dir)
	c := &lang.Cluster{Files: map[string]*hcl.File{}}
	if !diags.HasErrors() {
		var more hcl.Diagnostics
		c, more = lang.Load(dir, lo)
		diags = append(diags, more...)
	}
	maps.Copy(c.Files, vfiles)
	if *asJSON {
		errs, warns := 0, 0
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				errs++
			} else {
				warns++
			}
		}
		writeJSON(e, map[string]any{
			"format_version": "1.0", "valid": !diags.HasErrors(),
			"error_count": errs, "warning_count": warns,
			"diagnostics": lang.DiagnosticsJSONWithSnippets(c.Files, lang.CapDiagnostics(diags)),
		})
	} else {
		writeDiagnostics(e, c.Files, diags)
		if !diags.HasErrors() {
			abs, _ := filepath.Abs(dir)
			fmt.Fprintf(e.stdout, "Success! The configuration in %s is valid: %s.\n", abs, strings.Join(declared(c), ", "))
		}
	}
	if diags.HasErrors() {
		return 1
	}
	return 0
}

func cmdFmt(e *env, args []string) int {
	f := newFlags(e, "fmt")
	check := f.Bool("check", false, "only check: exit 3 when a file is not formatted")
	diff := f.Bool("diff", false, "print the changes as a unified diff")
	dir, ok := f.parseDir(e, args)
	if !ok {
		return 1
	}
	results, diags := lang.FormatDir(dir)
	if diags.HasErrors() {
		c, _ := lang.Load(dir, lang.Options{Kinds: modules.Kinds()}) // only for its Files: snippets in the diagnostics
		writeDiagnostics(e, c.Files, diags)
		return 1
	}
	unformatted := 0
	for _, r := range results {
		if !r.Changed {
			continue
		}
		unformatted++
		fmt.Fprintln(e.stdout, r.Path)
		if *diff {
			fmt.Fprint(e.stdout, unifiedDiff(r.Path, string(r.Old), string(r.New)))
		}
		if !*check {
			if err := writeFileAtomic(r.Path, r.New); err != nil {
				fmt.Fprintf(e.stderr, "Error: %v\n", err)
				return 1
			}
		}
	}
	if *check && unformatted > 0 {
		return 3
	}
	return 0
}

// declared counts what the configuration declares: servers and networks
// always, every other kind when there is one (the registered block kinds
// in their count order, then the host declarations).
func declared(c *lang.Cluster) []string {
	out := []string{plural(len(c.Servers), "server"), plural(len(c.Networks), "network")}
	counts := append(c.BlockCounts(modules.Kinds()), lang.BlockCount{Noun: "host declaration", N: hostDeclarations(c)})
	for _, k := range counts {
		if k.N > 0 {
			out = append(out, plural(k.N, k.Noun))
		}
	}
	return out
}

// hostDeclarations counts the instances of host declarations: a
// declaration reading self has one item per server, counted once.
func hostDeclarations(c *lang.Cluster) int {
	seen := map[string]bool{}
	for _, it := range c.Items {
		seen[it.Address()] = true
	}
	return len(seen)
}

// plural writes "1 server", "3 servers".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

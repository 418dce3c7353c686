package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/drover/drover/lang"
)

// varSetting is one -var or -var-file argument, kept in command-line
// order: a later one wins, as in Terraform.
type varSetting struct {
	file  bool
	value string
}

// settingsFlag collects -var (file false) or -var-file (file true) into
// one ordered list.
type settingsFlag struct {
	list *[]varSetting
	file bool
}

func (s settingsFlag) String() string { return "" }
func (s settingsFlag) Set(v string) error {
	*s.list = append(*s.list, varSetting{file: s.file, value: v})
	return nil
}

// varFiles reads the files of variable values that apply to dir: every
// DIR/*.auto.vars.hcl in name order, then each -var-file in command-line
// order, with the -var settings between them where they were given. It
// returns the values as -var texts, the parsed files (for snippets) and
// diagnostics with FILE:LINE:COL.
func (f *flags) varValues(dir string) (map[string]string, map[string]*hcl.File, hcl.Diagnostics) {
	autos, _ := filepath.Glob(filepath.Join(dir, "*.auto"+lang.VarsFileExt))
	sort.Strings(autos)
	settings := make([]varSetting, 0, len(autos)+len(f.settings))
	for _, a := range autos {
		settings = append(settings, varSetting{file: true, value: a})
	}
	settings = append(settings, f.settings...)
	out, files := map[string]string{}, map[string]*hcl.File{}
	var diags hcl.Diagnostics
	var declared map[string]bool
	parser := hclparse.NewParser()
	for _, s := range settings {
		if !s.file {
			k, v, ok := strings.Cut(s.value, "=")
			if !ok || k == "" {
				return nil, files, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: fmt.Sprintf("-var %q: write -var NAME=VALUE", s.value)})
			}
			out[k] = v
			continue
		}
		if declared == nil {
			declared = declaredVars(dir)
		}
		diags = append(diags, readVarFile(parser, s.value, declared, out, files)...)
	}
	return out, files, diags
}

// readVarFile reads one file of NAME = VALUE lines (constants: no
// references) into out. A name no configuration file declares is a
// warning, as in Terraform's .tfvars.
func readVarFile(p *hclparse.Parser, path string, declared map[string]bool, out map[string]string, files map[string]*hcl.File) hcl.Diagnostics {
	src, err := os.ReadFile(path)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read variables file",
			Detail: fmt.Sprintf("Reading %s failed: %s.", path, err)}}
	}
	file, diags := p.ParseHCL(src, path)
	if file == nil {
		return diags
	}
	files[path] = file
	if diags.HasErrors() {
		return diags
	}
	attrs, more := file.Body.JustAttributes()
	diags = append(diags, more...)
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return attrs[names[i]].Range.Start.Byte < attrs[names[j]].Range.Start.Byte })
	for _, n := range names {
		a := attrs[n]
		if !declared[n] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Value for undeclared variable",
				Detail:  fmt.Sprintf("%s sets %q, but no configuration file declares it; the value is ignored.", path, n),
				Subject: a.NameRange.Ptr()})
			continue
		}
		if refs := a.Expr.Variables(); len(refs) > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference in a variables file",
				Detail:  fmt.Sprintf("The value of %q must be a constant: a variables file cannot refer to anything.", n),
				Subject: refs[0].SourceRange().Ptr()})
			continue
		}
		val, vd := a.Expr.Value(nil)
		diags = append(diags, vd...)
		if vd.HasErrors() || !val.IsWhollyKnown() {
			continue
		}
		val, _ = val.UnmarkDeep()
		out[n] = settingText(val)
	}
	return diags
}

// settingText writes a constant as lang reads a -var: a string as it is,
// anything else as HCL.
func settingText(v cty.Value) string {
	if v.Type() == cty.String && !v.IsNull() {
		return v.AsString()
	}
	return string(hclwrite.TokensForValue(v).Bytes())
}

// declaredVars names the variables the configuration files of dir
// declare (a quick parse; Load reports any error in them).
func declaredVars(dir string) map[string]bool {
	out := map[string]bool{}
	paths, _ := filepath.Glob(filepath.Join(dir, "*"+lang.FileExt))
	for _, p := range paths {
		if strings.HasSuffix(p, lang.VarsFileExt) {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		f, _ := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if f == nil {
			continue
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, b := range body.Blocks {
			if b.Type == "variable" && len(b.Labels) == 1 {
				out[b.Labels[0]] = true
			}
		}
	}
	return out
}

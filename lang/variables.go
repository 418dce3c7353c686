package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// variableValue is a variable's value: the -var setting, else the
// default, converted to the declared type.
func (l *loader) variableValue(v *variableDecl) (cty.Value, hcl.Diagnostics) {
	if raw, ok := l.opts.Vars[v.name]; ok {
		return v.convertSetting(raw, "-var "+v.name)
	}
	if raw, ok := l.opts.EnvVars[v.name]; ok {
		return v.convertSetting(raw, "DROVER_VAR_"+v.name)
	}
	if v.deflt == nil {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No value for required variable",
			Detail: fmt.Sprintf("Variable %q has no default and was not set. Set it with -var %s=VALUE or DROVER_VAR_%s=VALUE, or give it a default = ... in this block.",
				v.name, v.name, v.name),
			Subject: v.block.DefRange.Ptr(),
		}}
	}
	// A default is a constant: functions, but no references.
	if refs := v.deflt.Variables(); len(refs) > 0 {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Reference in a variable default",
			Detail: fmt.Sprintf("The default of variable %q must be a constant, so it cannot refer to %s. Write a literal value, or move the expression into a locals block.",
				v.name, traversalString(refs[0])),
			Subject: refs[0].SourceRange().Ptr(),
		}}
	}
	val, diags := v.deflt.Value(&hcl.EvalContext{Functions: l.functions()})
	if diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	val, _ = val.UnmarkDeep()
	out, err := convert.Convert(val, v.typ)
	if err != nil {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid default value for variable",
			Detail: fmt.Sprintf("The default of variable %q does not fit its type %s: %s. Write a default of that type, or change the type.",
				v.name, typeexpr.TypeString(v.typ), err),
			Subject: v.deflt.Range().Ptr(),
		}}
	}
	return out, nil
}

// convertSetting converts a -var or environment text to the variable's type: strings are
// taken as written, anything else is parsed as a constant HCL expression
// when it is one.
func (v *variableDecl) convertSetting(raw, source string) (cty.Value, hcl.Diagnostics) {
	val := cty.StringVal(raw)
	if !v.typ.Equals(cty.String) {
		val = parseSetting(raw, v.name)
	}
	out, err := convert.Convert(val, v.typ)
	if err != nil {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail: fmt.Sprintf("The value given with %s=%s does not fit the variable's type %s: %s. Give a value of that type.",
				source, raw, typeexpr.TypeString(v.typ), err),
			Subject: v.block.DefRange.Ptr(),
		}}
	}
	return out, nil
}

// parseSetting reads a -var text as a constant HCL expression (42, true,
// ["a", "b"], { a = 1 }), or as the plain string it is otherwise.
func parseSetting(raw, name string) cty.Value {
	expr, diags := hclsyntax.ParseExpression([]byte(raw), "-var "+name, hcl.InitialPos)
	if diags.HasErrors() || len(expr.Variables()) > 0 {
		return cty.StringVal(raw)
	}
	val, diags := expr.Value(nil)
	if diags.HasErrors() || !val.IsWhollyKnown() || val.IsNull() {
		return cty.StringVal(raw)
	}
	return val
}

// traversalString renders a static reference such as local.x or a["b"].
func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		default:
			b.WriteString("[...]")
		}
	}
	return b.String()
}

// checkUndeclaredVars reports -var settings for variables no file declares.
func (l *loader) checkUndeclaredVars() {
	var names []string
	for name := range l.opts.Vars {
		if l.syms.vars[name] == nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		detail := fmt.Sprintf("A value was given for variable %q, but no file declares it.", name)
		if s := suggest(name, l.syms.varOrder); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else {
			detail += fmt.Sprintf(" Declare it with variable %q {}, or drop the setting.", name)
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Value for undeclared variable",
			Detail:   detail,
		})
	}
}

package lang

import (
	"bytes"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics prints diagnostics the way hcl does, with a snippet of
// the source from files, but with the position as FILE:LINE:COL so that
// editors and terminals can jump to it. Colored output (a terminal) wraps
// at 78 columns; plain output does not wrap, so that logs and CI keep whole
// lines. Write errors are ignored: diagnostics go to a terminal or a log.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) {
	width := uint(0)
	if color {
		width = 78
	}
	for _, d := range diags {
		var buf bytes.Buffer
		_ = hcl.NewDiagnosticTextWriter(&buf, files, width, color).WriteDiagnostic(d)
		out := buf.Bytes()
		if r := d.Subject; r != nil {
			hclPos := fmt.Sprintf("on %s line %d", r.Filename, r.Start.Line)
			ours := fmt.Sprintf("on %s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
			out = bytes.Replace(out, []byte(hclPos), []byte(ours), 1)
		}
		_, _ = w.Write(out)
	}
}

// JSONDiagnostic is a diagnostic in the shape of `terraform validate
// -json`.
type JSONDiagnostic struct {
	Severity string     `json:"severity"` // "error" or "warning"
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *JSONRange `json:"range,omitempty"`
}

// JSONRange is a source range; lines and columns count from 1, bytes
// from 0.
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is a position in a source file.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// DiagnosticsJSON converts diagnostics for JSON output; the result is
// never nil, so it encodes as [] when there are none.
func DiagnosticsJSON(diags hcl.Diagnostics) []JSONDiagnostic {
	out := make([]JSONDiagnostic, 0, len(diags))
	for _, d := range diags {
		j := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			j.Severity = "warning"
		}
		if d.Subject != nil {
			j.Range = &JSONRange{Filename: d.Subject.Filename, Start: jsonPos(d.Subject.Start), End: jsonPos(d.Subject.End)}
		}
		out = append(out, j)
	}
	return out
}

func jsonPos(p hcl.Pos) JSONPos { return JSONPos{Line: p.Line, Column: p.Column, Byte: p.Byte} }

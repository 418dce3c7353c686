package lang

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics prints diagnostics the way hcl does, with a snippet of
// the source from files, but with the position as FILE:LINE:COL so that
// editors and terminals can jump to it. Colored output (a terminal) wraps
// at 78 columns; plain output does not wrap, so that logs and CI keep whole
// lines. Bad input cannot flood or take over a terminal: control
// characters, invalid UTF-8 and bidirectional overrides of the source and
// the messages are escaped (or masked as '?' in snippets), and lines are
// cut at MaxLineBytes. Write errors are ignored: diagnostics go to a
// terminal or a log.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) {
	width := uint(0)
	if color {
		width = 78
	}
	safe := map[string]*hcl.File{} // masked copies, made once per file
	for _, d := range diags {
		if r := d.Subject; r != nil && safe[r.Filename] == nil && files[r.Filename] != nil {
			safe[r.Filename] = maskFile(files[r.Filename])
		}
		e := *d
		e.Summary, e.Detail = Printable(d.Summary), Printable(d.Detail)
		one := map[string]*hcl.File{}
		if r := d.Subject; r != nil && safe[r.Filename] != nil {
			one[r.Filename] = window(safe[r.Filename], &e)
		}
		var buf bytes.Buffer
		_ = hcl.NewDiagnosticTextWriter(&buf, one, width, color).WriteDiagnostic(&e)
		out := buf.Bytes()
		if r := d.Subject; r != nil {
			hclPos := fmt.Sprintf("on %s line %d", r.Filename, r.Start.Line)
			ours := fmt.Sprintf("on %s:%d:%d", Printable(r.Filename), r.Start.Line, r.Start.Column)
			out = bytes.Replace(out, []byte(hclPos), []byte(ours), 1)
		}
		_, _ = w.Write(cutLines(out, color))
	}
}

// maxWindow bounds the source a snippet shows.
const maxWindow = 16 << 10

// window returns the part of f that d's snippet shows, so that writing a
// diagnostic costs the size of its lines, not of the file (hcl's writer
// scans the whole file for each one). The part keeps its line numbers and
// columns: it is preceded by one newline per line before it, and d's
// ranges are moved to match. A context range too large to show is
// dropped.
func window(f *hcl.File, d *hcl.Diagnostic) *hcl.File {
	src := f.Bytes
	sub := *d.Subject
	if d.Context != nil && d.Context.Filename == sub.Filename && d.Context.End.Byte-d.Context.Start.Byte > maxWindow {
		d.Context = nil
	}
	first, last := sub, sub
	if c := d.Context; c != nil {
		if c.Start.Byte < first.Start.Byte {
			first = *c
		}
		if c.End.Byte > last.End.Byte {
			last = *c
		}
	}
	if first.Start.Byte < 0 || first.Start.Byte > len(src) || last.End.Byte > len(src) || first.Start.Line < 1 {
		return f
	}
	start := bytes.LastIndexByte(src[:first.Start.Byte], '\n') + 1
	end := len(src)
	if i := bytes.IndexByte(src[last.End.Byte:], '\n'); i >= 0 {
		end = last.End.Byte + i
	}
	end = min(end, start+maxWindow)
	pad := first.Start.Line - 1
	delta := pad - start
	part := make([]byte, 0, pad+end-start)
	part = append(part, bytes.Repeat([]byte{'\n'}, pad)...)
	part = append(part, src[start:end]...)
	move := func(r *hcl.Range) *hcl.Range {
		if r == nil {
			return nil
		}
		m := *r
		m.Start.Byte += delta
		m.End.Byte += delta
		return &m
	}
	d.Subject, d.Context = move(d.Subject), move(d.Context)
	return &hcl.File{Body: f.Body, Bytes: part, Nav: shiftedNav{f.Nav, delta}}
}

// shiftedNav answers a window's "in BLOCK" question from the whole file.
type shiftedNav struct {
	nav   any
	delta int
}

// ContextString is hcl's ContextStringer.
func (n shiftedNav) ContextString(offset int) string {
	if cs, ok := n.nav.(interface{ ContextString(int) string }); ok {
		return cs.ContextString(offset - n.delta)
	}
	return ""
}

// MaxDiagnosticsPerFile is how many diagnostics of one file are printed;
// the rest are counted in one last diagnostic for the file.
const MaxDiagnosticsPerFile = 20

// MaxLineBytes is the longest line WriteDiagnostics prints whole.
const MaxLineBytes = 400

// CapDiagnostics keeps the first MaxDiagnosticsPerFile diagnostics of each
// file (diags sorted by file) and says how many more there were.
func CapDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	out := make(hcl.Diagnostics, 0, len(diags))
	file, kept, moreErr, moreWarn := "", 0, 0, 0
	flush := func() {
		if moreErr+moreWarn == 0 {
			return
		}
		d := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Too many diagnostics"}
		if moreErr > 0 {
			d.Severity = hcl.DiagError
		}
		where := "without a source position"
		if file != "" {
			where = "in " + file
		}
		d.Detail = fmt.Sprintf("... and %d more (%d errors, %d warnings) %s, not shown. Fix the ones above and run again; "+
			"a file that is not HCL at all (a binary) is best moved out of the folder.", moreErr+moreWarn, moreErr, moreWarn, where)
		out = append(out, d)
	}
	for _, d := range diags {
		name := ""
		if d.Subject != nil {
			name = d.Subject.Filename
		}
		if name != file {
			flush()
			file, kept, moreErr, moreWarn = name, 0, 0, 0
		}
		switch {
		case kept < MaxDiagnosticsPerFile:
			out = append(out, d)
			kept++
		case d.Severity == hcl.DiagError:
			moreErr++
		default:
			moreWarn++
		}
	}
	flush()
	return out
}

// Printable escapes what must not reach a terminal raw: control
// characters other than newline and tab, invalid UTF-8 bytes and
// bidirectional formatting characters, written as \xNN or \uNNNN.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unsafeRune(r) && r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		case unsafeRune(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r == utf8.RuneError || (unicode.IsControl(r) && r != '\n' && r != '\t') || unicode.Is(unicode.Bidi_Control, r)
}

// maskFile returns a copy of f whose unsafe bytes read '?', one for each
// byte, so that source ranges still point at the same places.
func maskFile(f *hcl.File) *hcl.File {
	src := f.Bytes
	var masked []byte
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		crlf := r == '\r' && i+1 < len(src) && src[i+1] == '\n'
		if !crlf && unsafeRune(r) {
			if masked == nil {
				masked = bytes.Clone(src)
			}
			for j := i; j < i+size; j++ {
				masked[j] = '?'
			}
		}
		i += size
	}
	if masked == nil {
		return f
	}
	return &hcl.File{Body: f.Body, Bytes: masked, Nav: f.Nav}
}

// cutLines shortens every line longer than MaxLineBytes, outside a colour
// escape, and says by how much.
func cutLines(out []byte, color bool) []byte {
	if len(out) <= MaxLineBytes {
		return out
	}
	var b bytes.Buffer
	for _, line := range bytes.SplitAfter(out, []byte("\n")) {
		body := bytes.TrimSuffix(line, []byte("\n"))
		if len(body) <= MaxLineBytes {
			b.Write(line)
			continue
		}
		cut := MaxLineBytes
		if esc := bytes.LastIndexByte(body[:cut], 0x1b); esc >= 0 && !bytes.ContainsRune(body[esc:cut], 'm') {
			cut = esc
		}
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		b.Write(body[:cut])
		if color {
			b.WriteString("\x1b[0m")
		}
		fmt.Fprintf(&b, "... (%d more bytes on this line)", len(body)-cut)
		if len(body) < len(line) {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// JSONDiagnostic is a diagnostic in the shape of `terraform validate
// -json`.
type JSONDiagnostic struct {
	Severity string       `json:"severity"` // "error" or "warning"
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail,omitempty"`
	Range    *JSONRange   `json:"range,omitempty"`
	Snippet  *JSONSnippet `json:"snippet,omitempty"`
}

// JSONSnippet is the source of a diagnostic's range, like Terraform's:
// the lines it spans (unsafe bytes masked as '?'), the first one's number,
// and where in Code the range starts and ends; Context names the block.
type JSONSnippet struct {
	Context              *string `json:"context"`
	Code                 string  `json:"code"`
	StartLine            int     `json:"start_line"`
	HighlightStartOffset int     `json:"highlight_start_offset"`
	HighlightEndOffset   int     `json:"highlight_end_offset"`
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
		j := JSONDiagnostic{Severity: "error", Summary: Printable(d.Summary), Detail: Printable(d.Detail)}
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

// DiagnosticsJSONWithSnippets is DiagnosticsJSON with the snippet of each
// diagnostic whose file is in files.
func DiagnosticsJSONWithSnippets(files map[string]*hcl.File, diags hcl.Diagnostics) []JSONDiagnostic {
	out := DiagnosticsJSON(diags)
	for i, d := range diags {
		if d.Subject != nil && files[d.Subject.Filename] != nil {
			out[i].Snippet = snippet(files[d.Subject.Filename], *d.Subject)
		}
	}
	return out
}

func snippet(f *hcl.File, r hcl.Range) *JSONSnippet {
	src := f.Bytes
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return nil
	}
	start := bytes.LastIndexByte(src[:r.Start.Byte], '\n') + 1
	end := len(src)
	if i := bytes.IndexByte(src[r.End.Byte:], '\n'); i >= 0 {
		end = r.End.Byte + i
	}
	end = min(end, start+MaxLineBytes)
	code := string(maskFile(&hcl.File{Bytes: src[start:end]}).Bytes)
	sn := &JSONSnippet{Code: strings.TrimSuffix(code, "\r"), StartLine: r.Start.Line,
		HighlightStartOffset: min(r.Start.Byte-start, len(code)), HighlightEndOffset: min(r.End.Byte-start, len(code))}
	if cs, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		if c := cs.ContextString(r.Start.Byte); c != "" {
			c = Printable(c)
			sn.Context = &c
		}
	}
	return sn
}

func jsonPos(p hcl.Pos) JSONPos { return JSONPos{Line: p.Line, Column: p.Column, Byte: p.Byte} }

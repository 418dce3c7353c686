package lang

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// parsed is one file's parse result.
type parsed struct {
	file  *hcl.File
	diags hcl.Diagnostics
}

// parseFiles parses the named sources, each on its own (hclsyntax keeps no
// state between files), on up to GOMAXPROCS goroutines; the results are
// in the order of names. A panic of the parser is raised again in the
// caller's goroutine, as when files were parsed one after the other.
func parseFiles(names []string, files map[string][]byte) []parsed {
	out := make([]parsed, len(names))
	workers := min(runtime.GOMAXPROCS(0), len(names))
	if workers <= 1 {
		for i, name := range names {
			out[i] = parseFile(name, files[name])
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	panics := make([]any, workers)
	for w := range workers {
		wg.Go(func() {
			defer func() { panics[w] = recover() }()
			for i := int(next.Add(1) - 1); i < len(names); i = int(next.Add(1) - 1) {
				out[i] = parseFile(names[i], files[names[i]])
			}
		})
	}
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
	return out
}

// parseFile parses one source as hclparse.Parser.ParseHCL does.
func parseFile(name string, src []byte) parsed {
	// Windows line ends would stay inside heredocs as \r: read CRLF files
	// as LF ones (lines and columns are unchanged).
	f, diags := hclsyntax.ParseConfig(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), name, hcl.Pos{Byte: 0, Line: 1, Column: 1})
	return parsed{file: f, diags: diags}
}

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
// in the order of names.
func parseFiles(names []string, files map[string][]byte) []parsed {
	out := make([]parsed, len(names))
	workers := min(runtime.GOMAXPROCS(0), len(names))
	inParallel(workers, len(names), 1, func(_, i int) {
		out[i] = parseFile(names[i], files[names[i]])
	})
	return out
}

// inParallel calls do(w, i) for each i in [0, n) on workers goroutines
// (w is the goroutine's number, 0..workers-1), which take chunk items at a
// time; with one worker it runs in the caller's goroutine. A panic is
// raised again in the caller's goroutine, as when the items were done one
// after the other.
func inParallel(workers, n, chunk int, do func(w, i int)) {
	if workers <= 1 {
		for i := range n {
			do(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	panics := make([]any, workers)
	for w := range workers {
		wg.Go(func() {
			defer func() { panics[w] = recover() }()
			for {
				start := int(next.Add(int64(chunk))) - chunk
				if start >= n {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					do(w, i)
				}
			}
		})
	}
	wg.Wait()
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
}

// parseFile parses one source as hclparse.Parser.ParseHCL does.
func parseFile(name string, src []byte) parsed {
	// Windows line ends would stay inside heredocs as \r: read CRLF files
	// as LF ones (lines and columns are unchanged).
	f, diags := hclsyntax.ParseConfig(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), name, hcl.Pos{Byte: 0, Line: 1, Column: 1})
	return parsed{file: f, diags: diags}
}

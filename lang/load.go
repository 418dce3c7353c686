package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty/function"
)

// Options are inputs from outside the files.
type Options struct {
	// Vars are `-var name=value` settings; a setting for a variable no
	// file declares is an error. A value is parsed as an HCL expression
	// when it is a valid constant one (42, true, ["a","b"]), else taken as
	// a string; a variable of type string always takes the raw text.
	Vars map[string]string
	// EnvVars are DROVER_VAR_name settings from the environment: read
	// like Vars, overridden by them, and ignored for variables no file
	// declares (a stray environment variable must not break a run).
	EnvVars map[string]string
	// Kinds are the registered declaration kinds (modules.Kinds()); nil
	// = only the blocks lang declares itself.
	Kinds *Kinds
	// evalWorkers, when set, is how many goroutines evaluate the
	// configuration, whatever its size (lang's tests); 0 = one for a small
	// configuration, GOMAXPROCS for a large one (evalparallel.go).
	evalWorkers int
}

// FileExt is the extension of drover configuration files.
const FileExt = ".hcl"

// VarsFileExt ends the name of a file of variable values (-var-file,
// *.auto.vars.hcl): it is not configuration, and Load skips it.
const VarsFileExt = ".vars.hcl"

// Load reads every *.hcl file of dir (not its subfolders) in file name
// order and returns the evaluated, validated cluster. The returned
// Cluster is never nil and always carries Files, so that callers can print
// diagnostics with snippets; when diags has errors its other fields are
// partial and must not be used.
func Load(dir string, opts Options) (*Cluster, hcl.Diagnostics) {
	files, diags := readDir(dir)
	if diags.HasErrors() {
		return &Cluster{Dir: dir, Files: map[string]*hcl.File{}}, diags
	}
	c, more := LoadFiles(files, opts)
	c.Dir = dir
	return c, append(diags, more...)
}

// LoadFiles is Load for sources in memory, keyed by file name (the name
// diagnostics show); files are read in sorted name order.
func LoadFiles(files map[string][]byte, opts Options) (*Cluster, hcl.Diagnostics) {
	l := newLoader(opts)
	l.parse(files)
	c := l.run()
	l.reportGrammar()               // grammar_check.go
	hideSecrets(l.diags, c.Secrets) // grammar_check.go
	return c, sortDiagnostics(l.diags)
}

// readDir returns the sources of dir's *.hcl files, keyed by dir/name.
func readDir(dir string) (map[string][]byte, hcl.Diagnostics) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration folder",
			Detail:   fmt.Sprintf("Reading %s failed: %s. Pass a folder that holds the cluster's *.hcl files.", dir, err),
		}}
	}
	files := map[string][]byte{}
	var diags hcl.Diagnostics
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), FileExt) || strings.HasPrefix(e.Name(), ".") ||
			strings.HasSuffix(e.Name(), VarsFileExt) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(path)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read configuration file",
				Detail:   fmt.Sprintf("Reading %s failed: %s.", path, err),
			})
			continue
		}
		files[path] = src
	}
	if len(files) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The folder %s holds no *%s files. Point drover at the folder of your cluster, or create one with a server block.", dir, FileExt),
		})
	}
	return files, diags
}

// loader holds the state of one Load: parsed files, declarations, the
// evaluation graph and every diagnostic found so far.
type loader struct {
	opts  Options
	files map[string]*hcl.File
	order []string // file names, sorted
	diags hcl.Diagnostics
	// secrets are the strings of sensitive values (Cluster.Secrets).
	secrets map[string]bool
	// grammarDiags are values that do not match their grammar, reported
	// after every other check (grammar_check.go).
	grammarDiags hcl.Diagnostics

	funcs map[string]function.Function
	// contexts are the evaluation contexts by their nodes' dependencies,
	// and ctxKey the buffer their keys are built in (evalContext).
	contexts map[string]*hcl.EvalContext
	ctxKey   []byte
	syms     *symbols
	nodes    []*node // registration (declaration) order
	vars     []*variableDecl
	ssh      *sshDecl
	servers  []*serverDecl
	networks []*networkDecl
	generic  genericDecls // generic.go
	// refs are the referenceable blocks (job.web), by reference root
	// (blocksymbols.go).
	refs map[string]*refTable
	// sources are the non-HCL files given to LoadFiles (templates and
	// file sources), by name.
	sources map[string][]byte

	// blocks are the blocks of registered kinds (blockkinds.go).
	blocks []*blockDecl
	// claimed are the static addresses the networks' members and the
	// Late kinds claimed (BlockDecl.ClaimStatic).
	claimed staticAddrs
	// svcNames are the names of load balancers, web servers and VIPs,
	// unique cluster-wide (ClaimName).
	svcNames svcNames
	// srvSpecs and srvSchema are serverSpecs and the server block's
	// schema (serverSchema).
	srvSpecs  []attrSpec
	srvSchema *hcl.BodySchema
	// claims are what blocks of registered kinds take in namespaces
	// they share, by namespace (BlockDecl.Claim).
	claims map[string]map[string]hcl.Range
}

func newLoader(opts Options) *loader {
	return &loader{opts: opts, files: map[string]*hcl.File{}, syms: newSymbols(), sources: map[string][]byte{}}
}

// parse parses every source in sorted name order; a file with syntax
// errors is still kept (for snippets) but its body may be partial. Files
// are parsed in parallel (parse.go); diagnostics keep the name order.
func (l *loader) parse(files map[string][]byte) {
	for name := range files {
		l.order = append(l.order, name)
	}
	sort.Strings(l.order)
	var names []string
	for _, name := range l.order {
		if !strings.HasSuffix(name, FileExt) {
			l.sources[name] = files[name] // a template or file source
			continue
		}
		names = append(names, name)
	}
	for i, r := range parseFiles(names, files) {
		l.diags = append(l.diags, r.diags...)
		if r.file != nil {
			l.files[names[i]] = r.file
		}
	}
}

// run collects declarations, evaluates them and builds the validated model.
func (l *loader) run() *Cluster {
	for _, name := range l.order {
		if f := l.files[name]; f != nil {
			l.collectFile(f)
		}
	}
	l.checkUndeclaredVars()
	l.resolveAll()
	l.evaluate()
	c := l.assemble()
	c.Files = l.files
	c.Secrets = l.secretList() // grammar_check.go
	l.validate(c)
	return c
}

// sortDiagnostics orders diagnostics by source position, those without a
// position first, keeping the relative order of equal positions.
func sortDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
	return diags
}

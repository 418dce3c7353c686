package lang

import "github.com/hashicorp/hcl/v2"

// testKinds are the registered kinds (modules.Kinds) for lang's own tests,
// set by kinds_test.go: lang cannot import the kinds, which import lang,
// but its external test package can.
var testKinds *Kinds

// SetTestKinds gives lang's internal tests the registered kinds.
func SetTestKinds(k *Kinds) { testKinds = k }

// testLoadFiles is LoadFiles with the registered kinds unless opts names
// others.
func testLoadFiles(files map[string][]byte, opts Options) (*Cluster, hcl.Diagnostics) {
	if opts.Kinds == nil {
		opts.Kinds = testKinds
	}
	return LoadFiles(files, opts)
}

// testLoad is Load with the registered kinds unless opts names others.
func testLoad(dir string, opts Options) (*Cluster, hcl.Diagnostics) {
	if opts.Kinds == nil {
		opts.Kinds = testKinds
	}
	return Load(dir, opts)
}

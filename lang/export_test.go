package lang

import (
	"reflect"

	"github.com/hashicorp/hcl/v2"
)

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

// VXLAN is the vxlan kind's model as lang's tests read it: lang cannot
// import modules/vxlan, so vxlanOf copies the fields by name.
type VXLAN struct {
	Subnet     string
	Bridge     string
	VNI        int
	Port       int
	Group      string
	MTU        int
	DHCP       bool
	DHCPHost   string
	Domain     string
	Masquerade bool
	Members    []Member
}

// NetworkMembers and Claims make a VXLAN a NetworkSpec, so that a test's
// expected model can hold one.
func (v *VXLAN) NetworkMembers() []Member { return v.Members }
func (v *VXLAN) Claims() []Claim          { return nil }

// vxlanOf is n's vxlan model (nil when n is not a vxlan network).
func vxlanOf(n *Network) *VXLAN {
	if n == nil || n.Kind != "vxlan" || n.Spec == nil {
		return nil
	}
	src := reflect.ValueOf(n.Spec).Elem()
	out := &VXLAN{}
	dst := reflect.ValueOf(out).Elem()
	for i := range dst.NumField() {
		dst.Field(i).Set(src.FieldByName(dst.Type().Field(i).Name))
	}
	return out
}

// LoadFilesOnWorkers is LoadFiles evaluating on workers goroutines
// whatever the configuration's size (1: one after the other).
func LoadFilesOnWorkers(files map[string][]byte, opts Options, workers int) (*Cluster, hcl.Diagnostics) {
	opts.evalWorkers = workers
	return LoadFiles(files, opts)
}

package kinds

import (
	"github.com/drover/drover/runner/host"
	"github.com/drover/drover/runner/host/hosttest"
)

// testKinds are all the kinds with services kept under dir.
func testKinds(dir string) host.Kinds {
	return New(hosttest.EnvIn(dir))
}
